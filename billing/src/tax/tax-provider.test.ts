// A second implementation of the tax provider interface replaces the built-in rules (PRODUCT §8).
import { Decimal, lineTax } from "@lumen/core";
import { describe, expect, it } from "vitest";
import { useSeededBilling } from "../../../test/support/seeded-billing";
import type { TaxProvider, TaxRequest } from "./tax-provider";

/** An external tax service's stand-in: 10 % on fixed fees, 5 % on anything else, whoever the customer is. */
const requests: TaxRequest[] = [];
const exampleTaxService: TaxProvider = {
  name: "example-tax-service",
  async calculate(_ctx, request) {
    requests.push(request);
    return {
      lines: request.lines.map((line) => {
        const percentage = new Decimal(line.type === "fixed" ? 10 : 5);
        return {
          id: line.id,
          percentage,
          amount: lineTax({
            net: line.amount,
            percentage,
            inclusive: request.pricesIncludeTax,
            currency: request.currency,
          }),
        };
      }),
      notes: ["Tax calculated by Example Tax Service"],
    };
  },
};

const { ok } = useSeededBilling({ tax: { provider: exampleTaxService } });

describe("a tax provider given to the billing process", () => {
  it("computes the invoice's tax instead of the built-in rules, from the lines after discounts", async () => {
    await ok("PUT", "/v1/settings/tax", { mode: "builtin", origin: { country: "DE" } });
    await ok("POST", "/v1/plans", {
      id: "ext-plan",
      name: "External",
      currency: "EUR",
      group: "ext",
      items: [
        { type: "fixed", amount: "100.00" },
        { type: "feature", feature: "seats", price: { model: "per_unit", unitAmount: "10.00" } },
      ],
    });
    const clock = await ok("POST", "/v1/test-clocks", { frozenTime: "2026-05-01T00:00:00Z" });
    // A German consumer: the built-in rules would charge 19 %.
    await ok("POST", "/v1/customers", {
      id: "ext-co",
      currency: "EUR",
      testClock: clock.id,
      address: { country: "DE", city: "Berlin" },
    });
    await ok("POST", "/v1/customers/ext-co/entities", { id: "ext-seat", feature: "seats" });
    await ok("POST", "/v1/coupons", { id: "ext-half", percentOff: 50, duration: "forever" });
    await ok("POST", "/v1/customers/ext-co/discounts", { coupon: "ext-half" });
    const { invoice } = await ok("POST", "/v1/attach", { customer: "ext-co", plan: "ext-plan", trial: false });
    expect(invoice.lines.map((line: { amount: string; taxRate: string; taxAmount: string }) => line)).toMatchObject([
      { amount: "100.00", discountAmount: "50.00", taxRate: "10", taxAmount: "5.00" },
      { amount: "10.00", discountAmount: "5.00", taxRate: "5", taxAmount: "0.25" },
    ]);
    expect(invoice).toMatchObject({
      subtotal: "110.00",
      discountTotal: "55.00",
      taxTotal: "5.25",
      total: "60.25",
      taxNotes: ["Tax calculated by Example Tax Service"],
    });
    const asked = requests.at(-1)!;
    expect(asked.seller).toEqual({ country: "DE", euOss: false });
    expect(asked.at.toISOString()).toBe("2026-05-01T00:00:00.000Z");
    expect(asked.customer).toMatchObject({ id: "ext-co", address: { country: "DE" }, taxExempt: "none" });
    expect(asked.lines.map((line) => line.amount.toFixed(2))).toEqual(["50.00", "5.00"]);
  });

  it('is not asked when the environment computes no tax (mode "none")', async () => {
    await ok("PUT", "/v1/settings/tax", { mode: "none" });
    const before = requests.length;
    await ok("POST", "/v1/customers", { id: "ext-none", currency: "EUR" });
    const { invoice } = await ok("POST", "/v1/attach", { customer: "ext-none", plan: "ext-plan", trial: false });
    expect(requests.length).toBe(before);
    expect(invoice).toMatchObject({ taxTotal: "0.00", total: "100.00", taxNotes: [] });
  });
});
