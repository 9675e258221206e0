import { describe, expect, it } from "vitest";
import { useSeededBilling } from "../../../test/support/seeded-billing";

const { ok } = useSeededBilling();

async function clockedCustomer(id: string, frozenTime: string, currency: string) {
  const clock = await ok("POST", "/v1/test-clocks", { frozenTime });
  await ok("POST", "/v1/customers", { id, testClock: clock.id, currency });
  return clock.id as string;
}

const amounts = (invoice: { lines: { description: string; amount: string }[] }) =>
  invoice.lines.map((line) => [line.description, line.amount]);

describe("invoices in currencies with other minor units (ISO 4217)", () => {
  it("bills yen in whole units, rounding a proration of half a yen up", async () => {
    await ok("POST", "/v1/plans", {
      id: "yen-basic",
      name: "Basic ¥",
      currency: "JPY",
      group: "yen",
      items: [{ type: "fixed", amount: "1001" }],
    });
    await ok("POST", "/v1/plans", {
      id: "yen-plus",
      name: "Plus ¥",
      currency: "JPY",
      group: "yen",
      items: [{ type: "fixed", amount: "1999" }],
    });
    const clock = await clockedCustomer("yen-co", "2026-04-01T00:00:00Z", "JPY");
    const first = await ok("POST", "/v1/attach", { customer: "yen-co", plan: "yen-basic" });
    expect(first.invoice).toMatchObject({ currency: "JPY", total: "1001", amountDue: "1001" });
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2026-04-16T00:00:00Z" });
    const upgrade = await ok("POST", "/v1/attach", { customer: "yen-co", plan: "yen-plus" });
    // Half of 1001 is 500.5 → −501 (half-up on the magnitude); half of 1999 is 999.5 → 1000.
    expect(amounts(upgrade.invoice)).toEqual([
      ["Unused time on Basic ¥", "-501"],
      ["Remaining time on Plus ¥", "1000"],
    ]);
    expect(upgrade.invoice).toMatchObject({ subtotal: "499", total: "499" });
  });

  it("bills dinars to the fils (three decimals)", async () => {
    await ok("POST", "/v1/plans", {
      id: "kwd-basic",
      name: "Basic KWD",
      currency: "KWD",
      group: "kwd",
      items: [
        { type: "fixed", amount: "10.125" },
        { type: "feature", feature: "seats", price: { model: "per_unit", unitAmount: "2.5" } },
      ],
    });
    const clock = await clockedCustomer("kwd-co", "2026-04-01T00:00:00Z", "KWD");
    await ok("POST", "/v1/customers/kwd-co/entities", { id: "kwd-co-1", feature: "seats" });
    const first = await ok("POST", "/v1/attach", { customer: "kwd-co", plan: "kwd-basic" });
    expect(amounts(first.invoice)).toEqual([
      ["Basic KWD", "10.125"],
      ["Basic KWD: seats × 1", "2.500"],
    ]);
    expect(first.invoice.total).toBe("12.625");
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2026-04-11T00:00:00Z" });
    // Two thirds of April left: 2.5 × 20/30 = 1.6666… → 1.667.
    const seat = await ok("POST", "/v1/customers/kwd-co/entities", { id: "kwd-co-2", feature: "seats" });
    expect(amounts(seat.invoice)).toEqual([["Remaining time on 1 × seats (Basic KWD)", "1.667"]]);
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2026-05-01T01:00:00Z" });
    const { data } = await ok("GET", "/v1/invoices?customer=kwd-co");
    expect(data[0]).toMatchObject({ status: "open", total: "15.125" });
  });
});
