// The manual provider (the default, PRODUCT §13): nothing is charged; invoices stay open until paid out of band.
import { describe, expect, it } from "vitest";
import { useSeededBilling } from "../../../test/support/seeded-billing";

const { call, ok } = useSeededBilling();

describe("the manual provider", () => {
  it("attaches without checkout, charges nothing, and leaves the invoice open until paid out of band", async () => {
    expect((await ok("GET", "/v1/settings/payments")).provider).toBe("manual");
    const clock = await ok("POST", "/v1/test-clocks", { frozenTime: "2026-03-01T00:00:00Z" });
    await ok("POST", "/v1/customers", { id: "manual-co", testClock: clock.id });
    const attached = await ok("POST", "/v1/attach", { customer: "manual-co", plan: "team", trial: false });
    expect(attached).toMatchObject({ checkoutUrl: null, subscription: { status: "active" } });
    expect(attached.invoice).toMatchObject({ status: "open", amountDue: "20.00" });
    await ok("POST", `/v1/test-clocks/${clock.id}/advance`, { frozenTime: "2026-03-02T00:00:00Z" });
    expect((await ok("GET", `/v1/invoices/${attached.invoice.id}`)).status).toBe("open");
    expect((await ok("GET", `/v1/invoices/${attached.invoice.id}/payments`)).data).toEqual([]);

    const refund = await call("POST", `/v1/invoices/${attached.invoice.id}/credit-notes`, {
      amount: "1.00",
      refund: "provider",
    });
    expect(refund.status).toBe(409);
    expect((await ok("GET", `/v1/invoices/${attached.invoice.id}/credit-notes`)).data).toEqual([]);

    const paid = await ok("POST", `/v1/invoices/${attached.invoice.id}/pay`, { outOfBand: true });
    expect(paid).toMatchObject({ status: "paid", amountPaid: "20.00" });
  });

  it("refuses the stripe provider in a process without Stripe keys, naming the field", async () => {
    const refused = await call("PUT", "/v1/settings/payments", { provider: "stripe" });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].path).toBe("provider");
    const bad = await call("PUT", "/v1/settings/payments", { dunning: { retryDays: [0] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("dunning.retryDays.0");
    expect((await ok("GET", "/v1/settings/payments")).provider).toBe("manual");
  });
});
