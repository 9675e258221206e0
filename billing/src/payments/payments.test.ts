// Payments through the billing API against the fake Stripe server (PRODUCT §13, issue 6): checkout, charges each
// period, dunning, reconciliation, webhooks in any order, crash safety and refunds.
import { beforeAll, describe, expect, it } from "vitest";
import type { FakeStripe } from "../../../test/support/fake-stripe";
import { useStripeBilling } from "../../../test/support/stripe-billing";
import { buildCustomerDefinition } from "../definitions/build-customer-definition";

const session = useStripeBilling();
const { call, ok } = session;
let fake: FakeStripe;

beforeAll(async () => {
  fake = session.fake;
  await ok("POST", "/v1/plans", {
    id: "pay-pro",
    name: "Pay Pro",
    currency: "USD",
    group: "pay",
    items: [
      { type: "fixed", amount: "20.00" },
      { type: "feature", feature: "advanced-analytics" },
    ],
  });
});

interface Started {
  clock: string;
  subscription: { id: string; status: string };
  sessionId: string;
}

/** A customer on its own test clock attaches the paid plan: the answer sends it to checkout. */
async function attachThroughCheckout(id: string, frozenTime = "2026-03-01T00:00:00Z"): Promise<Started> {
  const clock = await ok("POST", "/v1/test-clocks", { frozenTime });
  await ok("POST", "/v1/customers", { id, name: `${id} GmbH`, email: `${id}@example.test`, testClock: clock.id });
  const attached = await ok("POST", "/v1/attach", { customer: id, plan: "pay-pro" });
  expect(attached.invoice).toBeNull();
  expect(attached.checkoutUrl).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
  const sessionId = String(attached.checkoutUrl).split("/").pop()!;
  return { clock: clock.id, subscription: attached.subscription, sessionId };
}

const advance = (clock: string, frozenTime: string) => call("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime });
const invoicesOf = async (customer: string) =>
  [...(await ok("GET", `/v1/invoices?customer=${customer}&limit=100`)).data].reverse();
const paymentsOf = async (invoice: string) => (await ok("GET", `/v1/invoices/${invoice}/payments`)).data;
const intentsOf = (customer: string) =>
  fake.paymentIntents().filter((intent) => intent.metadata.lumen_customer === customer);

describe("checkout, then a charge each period", () => {
  it("starts the subscription when the provider confirms the checkout, and charges every invoice", async () => {
    const { clock, subscription, sessionId } = await attachThroughCheckout("pay-happy");
    expect(subscription.status).toBe("pending");
    expect((await ok("GET", `/v1/subscriptions/${subscription.id}`)).status).toBe("pending");
    expect((await ok("GET", "/v1/customers/pay-happy")).subscriptions).not.toContainEqual(
      expect.objectContaining({ plan: "pay-pro", status: "active" }),
    );

    await fake.completeCheckout(sessionId);
    const active = await ok("GET", `/v1/subscriptions/${subscription.id}`);
    expect(active).toMatchObject({ status: "active", plan: "pay-pro" });
    const [first] = await invoicesOf("pay-happy");
    expect(first).toMatchObject({ status: "open", total: "20.00" });

    expect((await advance(clock, "2026-03-01T00:00:00Z")).status).toBe(200); // runs the charge due now
    expect(await ok("GET", `/v1/invoices/${first.id}`)).toMatchObject({ status: "paid", amountPaid: "20.00" });
    expect(await paymentsOf(first.id)).toMatchObject([{ attempt: 1, status: "succeeded", amount: "20.00" }]);

    expect((await advance(clock, "2026-04-01T01:00:00Z")).status).toBe(200);
    const invoices = await invoicesOf("pay-happy");
    expect(invoices.map((invoice) => [invoice.billingReason, invoice.status])).toEqual([
      ["subscription_create", "paid"],
      ["subscription_cycle", "paid"],
    ]);
    expect(intentsOf("pay-happy").map((intent) => [intent.amount, intent.currency, intent.status])).toEqual([
      [2000, "usd", "succeeded"],
      [2000, "usd", "succeeded"],
    ]);
  });

  it("keeps the payment method but records the attach that no longer applies when the plan was archived meanwhile", async () => {
    await ok("POST", "/v1/plans", {
      id: "pay-short-lived",
      name: "Short-lived",
      currency: "USD",
      group: "pay-short",
      items: [{ type: "fixed", amount: "9.00" }],
    });
    const clock = await ok("POST", "/v1/test-clocks", { frozenTime: "2026-03-01T00:00:00Z" });
    await ok("POST", "/v1/customers", { id: "pay-archived", testClock: clock.id });
    const attached = await ok("POST", "/v1/attach", { customer: "pay-archived", plan: "pay-short-lived" });
    await ok("POST", "/v1/plans/pay-short-lived/archive");
    await fake.completeCheckout(String(attached.checkoutUrl).split("/").pop()!);
    expect((await call("GET", `/v1/subscriptions/${attached.subscription.id}`)).status).toBe(404);
    const history = (await ok("GET", "/v1/customers/pay-archived/history?limit=100")).data;
    expect(history.map((entry: { type: string }) => entry.type)).toContain("checkout.attach_failed");
    // The card is saved: attaching another paid plan needs no second checkout.
    const again = await ok("POST", "/v1/attach", { customer: "pay-archived", plan: "pay-pro" });
    expect(again).toMatchObject({ checkoutUrl: null, subscription: { status: "active" } });
  });

  it("cancels the pending subscription when the checkout expires", async () => {
    const { subscription, sessionId } = await attachThroughCheckout("pay-expired");
    await fake.expireCheckout(sessionId);
    expect((await call("GET", `/v1/subscriptions/${subscription.id}`)).status).toBe(404);
    expect(await invoicesOf("pay-expired")).toEqual([]);
  });
});

describe("dunning", () => {
  it("a declined card: past_due, retried after a day, recovered when the card works again", async () => {
    const { clock, subscription, sessionId } = await attachThroughCheckout("pay-declined");
    const { paymentMethod } = await fake.completeCheckout(sessionId, { card: "declines" });
    await advance(clock, "2026-03-01T00:00:00Z");
    const [invoice] = await invoicesOf("pay-declined");
    expect(invoice.status).toBe("open");
    expect(await paymentsOf(invoice.id)).toMatchObject([{ attempt: 1, status: "failed" }]);
    expect((await ok("GET", `/v1/subscriptions/${subscription.id}`)).status).toBe("past_due");

    fake.setCardBehaviour(paymentMethod, "succeeds");
    await advance(clock, "2026-03-02T00:00:00Z");
    expect((await ok("GET", `/v1/invoices/${invoice.id}`)).status).toBe("paid");
    expect((await paymentsOf(invoice.id)).map((payment: { status: string }) => payment.status)).toEqual([
      "failed",
      "succeeded",
    ]);
    expect((await ok("GET", `/v1/subscriptions/${subscription.id}`)).status).toBe("active");
  });

  it("every retry fails: entitlements revoked while past_due, then canceled after the last one", async () => {
    await ok("PUT", "/v1/settings/payments", { dunning: { pastDueEntitlements: "revoke" } });
    try {
      const { clock, subscription, sessionId } = await attachThroughCheckout("pay-lost");
      await fake.completeCheckout(sessionId, { card: "insufficient_funds" });
      await advance(clock, "2026-03-01T00:00:00Z");
      const definition = await buildCustomerDefinition(session.billing.ctx(), "pay-lost", 1);
      expect(definition.features["advanced-analytics"]?.subscriptionActive).toBe(false);
      const { features } = await ok("GET", "/v1/customers/pay-lost/entitlements");
      expect(features.map((feature: { feature: string }) => feature.feature)).not.toContain("advanced-analytics");
      // Retries after 1, 3 and 7 more days: attempts 2, 3 and 4, all declined.
      await advance(clock, "2026-03-02T00:00:00Z");
      await advance(clock, "2026-03-05T00:00:00Z");
      expect((await ok("GET", `/v1/subscriptions/${subscription.id}`)).status).toBe("past_due");
      await advance(clock, "2026-03-12T00:00:00Z");
      const [invoice] = await invoicesOf("pay-lost");
      expect((await paymentsOf(invoice.id)).map((payment: { attempt: number }) => payment.attempt)).toEqual([
        1, 2, 3, 4,
      ]);
      expect(await ok("GET", `/v1/subscriptions/${subscription.id}`)).toMatchObject({ status: "canceled" });
      const after = await buildCustomerDefinition(session.billing.ctx(), "pay-lost", 2);
      expect(after.features["advanced-analytics"]).toBeUndefined();
    } finally {
      await ok("PUT", "/v1/settings/payments", { dunning: { pastDueEntitlements: "keep" } });
    }
  });
});

describe("webhooks", () => {
  it("a missed webhook is caught by the reconciliation: the invoice is paid anyway", async () => {
    const { clock, sessionId } = await attachThroughCheckout("pay-missed");
    await fake.completeCheckout(sessionId, { card: "processing" });
    fake.webhooks.drop = (event) => event.type === "payment_intent.succeeded";
    try {
      await advance(clock, "2026-03-01T00:00:00Z");
      const [invoice] = await invoicesOf("pay-missed");
      expect(await paymentsOf(invoice.id)).toMatchObject([{ status: "processing" }]);
      await fake.settlePayments();
      expect((await ok("GET", `/v1/invoices/${invoice.id}`)).status).toBe("open");
      // The reconciliation asks after reconcileAfterSeconds (600 s).
      await advance(clock, "2026-03-01T00:10:00Z");
      expect((await ok("GET", `/v1/invoices/${invoice.id}`)).status).toBe("paid");
    } finally {
      fake.webhooks.drop = null;
    }
  });

  it("duplicated and reordered webhooks change nothing twice", async () => {
    const { clock, subscription, sessionId } = await attachThroughCheckout("pay-reorder");
    fake.webhooks.mode = "hold";
    fake.webhooks.duplicate = true;
    try {
      await fake.completeCheckout(sessionId, { card: "processing" });
      await fake.flushWebhooks({ order: "reversed" });
      expect((await ok("GET", `/v1/subscriptions/${subscription.id}`)).status).toBe("active");
      await advance(clock, "2026-03-01T00:00:00Z");
      await fake.settlePayments();
      // processing and succeeded, each twice, succeeded first.
      await fake.flushWebhooks({ order: "reversed" });
      const invoices = await invoicesOf("pay-reorder");
      expect(invoices).toHaveLength(1);
      expect(invoices[0]).toMatchObject({ status: "paid", amountPaid: "20.00" });
      expect(await paymentsOf(invoices[0].id)).toMatchObject([{ status: "succeeded" }]);
      const history = (await ok("GET", "/v1/customers/pay-reorder/history?limit=100")).data;
      const about = (type: string, objectId?: string) =>
        history.filter(
          (entry: { type: string; object: { id: string } }) =>
            entry.type === type && (!objectId || entry.object.id === objectId),
        );
      expect(about("payment.succeeded")).toHaveLength(1);
      expect(about("invoice.paid")).toHaveLength(1);
      expect(about("subscription.created", subscription.id)).toHaveLength(1);
    } finally {
      fake.webhooks.mode = "immediate";
      fake.webhooks.duplicate = false;
    }
  });

  it("a bad or stale signature is a 400 and changes nothing", async () => {
    const body = JSON.stringify({
      id: "evt_forged",
      object: "event",
      type: "payment_intent.succeeded",
      created: Math.floor(Date.now() / 1000),
      livemode: false,
      data: { object: { id: "pi_forged", object: "payment_intent", status: "succeeded", metadata: {} } },
    });
    const send = (signature: string) =>
      session.billing.app.inject({
        method: "POST",
        url: "/v1/providers/stripe/webhook",
        headers: { "content-type": "application/json", "stripe-signature": signature },
        payload: body,
      });
    const forged = await send(fake.signPayload(body, { secret: "whsec_someone_else" }));
    expect(forged.statusCode).toBe(400);
    expect(JSON.parse(forged.body).error.details[0].path).toBe("Stripe-Signature");
    const stale = await send(fake.signPayload(body, { timestamp: Math.floor(Date.now() / 1000) - 301 }));
    expect(stale.statusCode).toBe(400);
    const { rows } = await session.billing.database.pool.query(
      "SELECT count(*)::int AS n FROM provider_events WHERE event_id = 'evt_forged'",
    );
    expect(rows[0].n).toBe(0);
    const signed = await send(fake.signPayload(body));
    expect(signed.statusCode).toBe(200);
  });
});

describe("crashes and refunds", () => {
  it("a charge made before a crash and not yet recorded is never made again", async () => {
    const { clock, sessionId } = await attachThroughCheckout("pay-crash");
    await fake.completeCheckout(sessionId);
    // The charge is made, then the connection drops before Lumen hears of it (twice: the SDK retries once).
    fake.failNext(2, "reset_after");
    const failed = await advance(clock, "2026-03-01T00:00:00Z");
    expect(failed.status).toBe(500);
    expect(intentsOf("pay-crash")).toHaveLength(1);
    expect((await advance(clock, "2026-03-01T00:00:00Z")).status).toBe(200);
    const [invoice] = await invoicesOf("pay-crash");
    expect(invoice.status).toBe("paid");
    expect(await paymentsOf(invoice.id)).toMatchObject([{ attempt: 1, status: "succeeded" }]);
    expect(intentsOf("pay-crash")).toHaveLength(1);
  });

  it("refunds a credit note through the provider, never more than was paid", async () => {
    const { clock, sessionId } = await attachThroughCheckout("pay-refund");
    await fake.completeCheckout(sessionId);
    await advance(clock, "2026-03-01T00:00:00Z");
    const [invoice] = await invoicesOf("pay-refund");
    expect(invoice.status).toBe("paid");
    const note = await ok("POST", `/v1/invoices/${invoice.id}/credit-notes`, {
      amount: "5.00",
      reason: "order_change",
      refund: "provider",
    });
    expect(note).toMatchObject({ amount: "5.00", refund: "provider" });
    const [intent] = intentsOf("pay-refund");
    expect(fake.refunds().filter((refund) => refund.payment_intent === intent?.id)).toMatchObject([
      { amount: 500, status: "succeeded" },
    ]);
    const tooMuch = await call("POST", `/v1/invoices/${invoice.id}/credit-notes`, {
      amount: "15.01",
      reason: "order_change",
      refund: "provider",
    });
    expect(tooMuch.status).toBe(400);
    expect(fake.refunds().filter((refund) => refund.payment_intent === intent?.id)).toHaveLength(1);
  });
});
