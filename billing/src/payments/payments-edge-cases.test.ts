// Edge cases of payments found in review (issue 6): each test asserts the correct behaviour; the comment above each
// says what was wrong before it was fixed. The setup is payments.test.ts's: the billing API with the Stripe provider
// against the fake Stripe server on loopback, webhooks delivered to the listening app.
import Stripe from "stripe";
import { beforeAll, describe, expect, it } from "vitest";
import { LIVE_KEY } from "../../../test/support/billing";
import type { FakeStripe } from "../../../test/support/fake-stripe";
import { useStripeBilling } from "../../../test/support/stripe-billing";

const session = useStripeBilling({ timeoutMs: 2_000 });
const { call, ok } = session;
let fake: FakeStripe;

beforeAll(async () => {
  fake = session.fake;
  await ok("POST", "/v1/plans", {
    id: "rv-pro",
    name: "Review Pro",
    currency: "USD",
    group: "rv",
    items: [
      { type: "fixed", amount: "20.00" },
      { type: "feature", feature: "advanced-analytics" },
    ],
  });
});

/** A customer on its own test clock attaches a paid plan: the answer sends it to checkout. */
async function attachThroughCheckout(id: string, plan = "rv-pro", currency = "USD") {
  const clock = await ok("POST", "/v1/test-clocks", { frozenTime: "2026-03-01T00:00:00Z" });
  await ok("POST", "/v1/customers", { id, name: id, currency, testClock: clock.id });
  const attached = await ok("POST", "/v1/attach", { customer: id, plan });
  expect(attached.checkoutUrl).toMatch(/cs_test_/);
  const sessionId = String(attached.checkoutUrl).split("/").pop()!;
  return { clock: clock.id as string, subscription: attached.subscription as { id: string }, sessionId };
}

const advance = (clock: string, frozenTime: string) => call("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime });
const invoicesOf = async (customer: string) =>
  [...(await ok("GET", `/v1/invoices?customer=${customer}&limit=100`)).data].reverse();
const paymentsOf = async (invoice: string) => (await ok("GET", `/v1/invoices/${invoice}/payments`)).data;
const intentsOf = (customer: string) =>
  fake.paymentIntents().filter((intent) => intent.metadata.lumen_customer === customer);
/** What Lumen answered to the webhooks about one checkout session. */
const checkoutDeliveries = (sessionId: string) => {
  const ids = new Set(
    fake
      .events()
      .filter((event) => (event.data.object as { id: string }).id === sessionId)
      .map((event) => event.id),
  );
  return fake.deliveries.filter((delivery) => ids.has(delivery.eventId));
};
/** The official SDK talking to the fake as the merchant (Dashboard, another integration) would talk to Stripe. */
const merchantStripe = () =>
  new Stripe(fake.secretKey, { host: "127.0.0.1", port: Number(new URL(fake.url).port), protocol: "http" });

describe("payments edge cases: money charged twice, or wrongly", () => {
  it("the reconciliation never charges an invoice that was paid out of band after its charge failed to reach Stripe", async () => {
    // Was wrong: runPaymentReconcileJob re-sends the charge ("the same key answers what the first ask did") for any
    // attempt still `pending` without a provider id, without checking the invoice. A charge whose request never
    // reached Stripe (connection reset) leaves such an attempt; if the invoice is then paid out of band (or voided),
    // the reconcile job 600 s later *creates* the charge: the customer pays twice. claimAttempt checks that the
    // invoice is still open; the reconciliation must too (and must not create a charge, only look one up).
    const { clock, sessionId } = await attachThroughCheckout("rv-oob");
    await fake.completeCheckout(sessionId);
    fake.failNext(2, "reset"); // the SDK retries once: both attempts die before Stripe does anything
    expect((await advance(clock, "2026-03-01T00:00:00Z")).status).toBe(500);
    const [invoice] = await invoicesOf("rv-oob");
    expect(await paymentsOf(invoice.id)).toMatchObject([{ attempt: 1, status: "pending", providerPaymentId: null }]);
    expect(intentsOf("rv-oob")).toHaveLength(0);

    await ok("POST", `/v1/invoices/${invoice.id}/pay`, { outOfBand: true });
    expect((await advance(clock, "2026-03-01T00:10:00Z")).status).toBe(200); // the collect job, then the reconcile
    expect((await ok("GET", `/v1/invoices/${invoice.id}`)).status).toBe("paid");
    expect(intentsOf("rv-oob")).toHaveLength(0);
  });

  it("a credit note retried after Stripe made the refund but the answer was lost refunds only once", async () => {
    // Was wrong: refundThroughProvider keys the refund on the credit note's id, which is new on every request (it is
    // generated in the same transaction that the 503 rolls back). Stripe refunded, the connection dropped, the
    // credit note rolled back (503, and the 5xx releases the HTTP Idempotency-Key); the retry makes a new credit
    // note, a new key and a second refund. Lumen records 5.00 refunded, Stripe paid back 10.00.
    const { clock, sessionId } = await attachThroughCheckout("rv-refund");
    await fake.completeCheckout(sessionId);
    await advance(clock, "2026-03-01T00:00:00Z");
    const [invoice] = await invoicesOf("rv-refund");
    expect(invoice.status).toBe("paid");
    const request = () =>
      session.billing.request({
        method: "POST",
        url: `/v1/invoices/${invoice.id}/credit-notes`,
        body: { amount: "5.00", reason: "order_change", refund: "provider" },
        headers: { "idempotency-key": "rv-refund-credit-note-1" },
      });
    fake.failNext(2, "reset_after"); // the refund is made, its answer never arrives (twice: the SDK retries once)
    expect([200, 503]).toContain((await request()).status); // today 503; a fix may keep the refund pending (200)
    expect((await request()).status).toBe(200);
    const [intent] = intentsOf("rv-refund");
    const refunded = fake
      .refunds()
      .filter((refund) => refund.payment_intent === intent?.id && refund.status !== "failed")
      .reduce((sum, refund) => sum + refund.amount, 0);
    expect(refunded).toBe(500);
  });

  it("an ISK invoice is charged in Stripe's ISK unit (two decimals in Stripe's API): 500 kr is amount 50000", async () => {
    // Was wrong: toMinorUnits uses the ISO 4217 exponent (ISK 0), but Stripe's API keeps ISK two-decimal ("an ISK
    // amount of 100 represents 1 króna", amounts must be multiples of 100). A 500 kr invoice is sent as 500 and
    // Stripe charges 5 kr: 1/100 of the invoice, while Lumen marks it paid in full. Refunds have the same error.
    await ok("POST", "/v1/plans", {
      id: "rv-isk",
      name: "Review ISK",
      currency: "ISK",
      group: "rv-isk",
      items: [{ type: "fixed", amount: "500" }],
    });
    const { clock, sessionId } = await attachThroughCheckout("rv-isk", "rv-isk", "ISK");
    await fake.completeCheckout(sessionId);
    await advance(clock, "2026-03-01T00:00:00Z");
    const [invoice] = await invoicesOf("rv-isk");
    expect(invoice).toMatchObject({ currency: "ISK", total: "500" });
    expect(intentsOf("rv-isk").map((intent) => [intent.amount, intent.currency])).toEqual([[50000, "isk"]]);
  });

  it("a payment event about a PaymentIntent Lumen did not make does not pay the invoice", async () => {
    // Was wrong: the webhook applies any PaymentIntent whose metadata names a Lumen payment (applyPaymentOutcome), with
    // no check that it is the PaymentIntent Lumen charged (provider id), nor of its amount, currency or customer.
    // A validly signed event for a 0.01 USD PaymentIntent made outside Lumen marks the 20.00 invoice paid in full
    // and overwrites the payment's provider id (later refunds then go to that PaymentIntent).
    const { clock, sessionId } = await attachThroughCheckout("rv-foreign");
    const { paymentMethod } = await fake.completeCheckout(sessionId, { card: "processing" });
    await advance(clock, "2026-03-01T00:00:00Z");
    const [invoice] = await invoicesOf("rv-foreign");
    const [payment] = await paymentsOf(invoice.id);
    expect(payment).toMatchObject({ status: "processing" });
    const [ours] = intentsOf("rv-foreign");

    fake.setCardBehaviour(paymentMethod, "succeeds");
    await merchantStripe().paymentIntents.create({
      amount: 1,
      currency: "usd",
      customer: ours!.customer,
      payment_method: paymentMethod,
      off_session: true,
      confirm: true,
      metadata: { lumen_env: "test", lumen_payment: payment.id },
    });
    await fake.flushWebhooks();
    expect((await ok("GET", `/v1/invoices/${invoice.id}`)).status).toBe("open");
    expect(await paymentsOf(invoice.id)).toMatchObject([{ status: "processing", providerPaymentId: ours!.id }]);
  });
});

describe("payments edge cases: the pending subscription of a checkout", () => {
  it("canceling a pending subscription, then completing its checkout: the webhook is acknowledged, nothing starts", async () => {
    // Was wrong: POST /v1/subscriptions/:id/cancel accepts a pending subscription (it even closes a "period" it never
    // had) and leaves its checkout open. When the customer completes it, applyCheckoutSession only deletes a row
    // still `pending`, then re-inserts the subscription under the same id: a unique violation, not a LumenError, so
    // it escapes the savepoint and the webhook answers 409 — forever, on each of Stripe's redeliveries (and the
    // checkout reconcile job fails the same way). The payment method is never saved.
    const { subscription, sessionId } = await attachThroughCheckout("rv-cancel-pending");
    const canceled = await call("POST", `/v1/subscriptions/${subscription.id}/cancel`, { when: "now" });
    await fake.completeCheckout(sessionId);
    expect(checkoutDeliveries(sessionId).map((delivery) => delivery.status)).toEqual([200]);
    if (canceled.status === 200) {
      // The cancel was accepted: the customer must not end up subscribed anyway.
      expect((await ok("GET", `/v1/subscriptions/${subscription.id}`)).status).not.toBe("active");
    }
  });

  it("deleting a customer with an open checkout ends its pending subscription, and the checkout's webhook is acknowledged", async () => {
    // Was wrong: deleteCustomer cancels listLiveSubscriptions(), which leaves pending ones out: the pending subscription
    // of a deleted customer stays `pending` for good. When the checkout completes, applyCheckoutSession's
    // loadCustomer throws not_found outside the savepoint: the webhook answers 404 on every redelivery (Stripe ends
    // up disabling the endpoint) and the checkout reconcile job fails.
    const { subscription, sessionId } = await attachThroughCheckout("rv-delete-pending");
    await ok("DELETE", "/v1/customers/rv-delete-pending");
    const after = await call("GET", `/v1/subscriptions/${subscription.id}`);
    expect(after.status === 404 || (after.body as { status: string }).status !== "pending").toBe(true);
    await fake.completeCheckout(sessionId);
    expect(checkoutDeliveries(sessionId).map((delivery) => delivery.status)).toEqual([200]);
  });

  it("a plan migration leaves a pending subscription alone: no proration for a period it never had", async () => {
    // Was wrong: migratePlan selects every subscription of the version with ended_at IS NULL, pending ones included. A
    // migration "now" switches the pending row and records proration items (+30.00 "Remaining time", -10.00
    // "Unused time") under its id; checkout completion then re-creates the subscription under that same id and the
    // items land on its next invoice: 20.00 more billed for a subscription that had not started.
    await ok("POST", "/v1/plans", {
      id: "rv-migrated",
      name: "Review Migrated",
      currency: "USD",
      group: "rv-migrated",
      items: [{ type: "fixed", amount: "10.00" }],
    });
    const { subscription, sessionId } = await attachThroughCheckout("rv-migrate-pending", "rv-migrated");
    await ok("PUT", "/v1/plans/rv-migrated", {
      name: "Review Migrated",
      currency: "USD",
      group: "rv-migrated",
      items: [{ type: "fixed", amount: "30.00" }],
    });
    await ok("POST", "/v1/plans/rv-migrated/migrate", { fromVersion: 1, toVersion: 2, when: "now" });
    await fake.completeCheckout(sessionId);
    const upcoming = await ok(
      "GET",
      `/v1/customers/rv-migrate-pending/upcoming-invoice?subscription=${subscription.id}`,
    );
    expect(upcoming.lines.filter((line: { type: string }) => line.type === "proration")).toEqual([]);
  });

  it("a second attach of the same plan while its checkout is open makes no second pending subscription", async () => {
    // Was wrong: the pending subscription is invisible to attachPlan (listLiveSubscriptions excludes it), so attaching
    // the same plan again — a retried request, a double click — opens a second checkout with a second pending
    // subscription. The second attach should answer the open checkout (or 409), not start another.
    const { subscription } = await attachThroughCheckout("rv-twice");
    const again = await call("POST", "/v1/attach", { customer: "rv-twice", plan: "rv-pro" });
    if (again.status === 200)
      expect((again.body as { subscription: { id: string } }).subscription.id).toBe(subscription.id);
    const pending = (await ok("GET", "/v1/customers/rv-twice")).subscriptions.filter(
      (sub: { plan: string; status: string }) => sub.plan === "rv-pro" && sub.status === "pending",
    );
    expect(pending).toHaveLength(1);
  });

  it("an expired checkout's subscription is no longer listed among the customer's plans", async () => {
    // Was wrong: GET /v1/customers/:id/entitlements rebuilds plans from the subscription history. The pending row
    // gets a `subscription.pending` entry, but an expired checkout DELETEs the row and records only
    // `checkout.expired` (objectType checkout): the history's last word on the subscription stays "pending", so the
    // customer is listed on the plan forever.
    const { subscription, sessionId } = await attachThroughCheckout("rv-expired");
    await fake.expireCheckout(sessionId);
    expect((await call("GET", `/v1/subscriptions/${subscription.id}`)).status).toBe(404);
    const { plans } = await ok("GET", "/v1/customers/rv-expired/entitlements");
    expect(plans.map((plan: { subscription: string }) => plan.subscription)).not.toContain(subscription.id);
  });
});

describe("payments edge cases: dunning", () => {
  it("a past_due subscription is active again once its failed invoice is paid out of band", async () => {
    // Was wrong: recovery to `active` lives only in settleInvoice (a provider success). POST /v1/invoices/:id/pay
    // {"outOfBand": true} pays the failed invoice but leaves the subscription past_due — for good, since the
    // dunning's next attempt finds the invoice no longer open and stops without recovering or canceling (with
    // pastDueEntitlements "revoke", the features stay revoked). The decision says to pay the invoice out of band;
    // void and mark-uncollectible have the same hole.
    const { clock, subscription, sessionId } = await attachThroughCheckout("rv-paid-out-of-band");
    await fake.completeCheckout(sessionId, { card: "declines" });
    await advance(clock, "2026-03-01T00:00:00Z");
    const [invoice] = await invoicesOf("rv-paid-out-of-band");
    expect((await ok("GET", `/v1/subscriptions/${subscription.id}`)).status).toBe("past_due");
    await ok("POST", `/v1/invoices/${invoice.id}/pay`, { outOfBand: true });
    expect((await ok("GET", `/v1/subscriptions/${subscription.id}`)).status).toBe("active");
    await advance(clock, "2026-03-13T00:00:00Z"); // past every retry
    expect((await ok("GET", `/v1/subscriptions/${subscription.id}`)).status).toBe("active");
  });
});

describe("payments edge cases: the webhook endpoint and environments", () => {
  it("an unsigned request to the webhook cannot claim an Idempotency-Key of the test environment", async () => {
    // Was wrong: the webhook path skips authentication with identity {env: "test"}, but the global Idempotency-Key
    // preHandler still runs for it and stores the key (the 400 is stored "on its own", outside the rolled-back
    // transaction). Anyone, with no key and no signature, can claim test-environment Idempotency-Keys (and fill
    // the table): the real client's request with that key is then refused. "A bad signature changes nothing" is
    // not true.
    const forged = await session.billing.app.inject({
      method: "POST",
      url: "/v1/providers/stripe/webhook",
      headers: {
        "content-type": "application/json",
        "stripe-signature": "t=1,v1=00",
        "idempotency-key": "rv-create-customer-1",
      },
      payload: "{}",
    });
    expect(forged.statusCode).toBe(400);
    const legit = await session.billing.request({
      method: "POST",
      url: "/v1/customers",
      body: { id: "rv-idempotent" },
      headers: { "idempotency-key": "rv-create-customer-1" },
    });
    expect(legit.status).toBe(200);
  });

  it("the live environment cannot collect through a Stripe test-mode key", async () => {
    // Was wrong: the process has one STRIPE_SECRET_KEY, and PUT /v1/settings/payments lets both environments use it.
    // With this sk_test_ key, live invoices would be "paid" by test cards; with an sk_live_ key, the test
    // environment (test clocks advancing months in seconds) charges real cards. Nor does the webhook compare the
    // event's `livemode` with the env it reads from the metadata.
    expect(fake.secretKey).toMatch(/^sk_test_/);
    const put = await call("PUT", "/v1/settings/payments", { provider: "stripe" }, LIVE_KEY);
    expect(put.status).toBeGreaterThanOrEqual(400);
    expect(put.status).toBeLessThan(500);
  });
});

describe("payments edge cases: connections", () => {
  it("charges of three customers due at the same instant of one test clock do not deadlock the advance", async () => {
    // Was wrong: runCollectJob holds its job's transaction (one pool connection) and opens a second one for
    // claimAttempt. runDueJobs sizes its workers as pool.max − 2 "for the caller (an advance holds one)", but an
    // advance holds two (its request transaction and the advisory-lock client). With the harness pool (max 5): the
    // advance 2 + 3 workers = 5, and the three claims wait for a connection no one will give back. In production
    // (max 10) the same happens with two concurrent advances, or one with enough other requests in flight.
    const clock = await ok("POST", "/v1/test-clocks", { frozenTime: "2026-03-01T00:00:00Z" });
    for (const id of ["rv-same-instant-1", "rv-same-instant-2", "rv-same-instant-3"]) {
      await ok("POST", "/v1/customers", { id, testClock: clock.id });
      const attached = await ok("POST", "/v1/attach", { customer: id, plan: "rv-pro" });
      await fake.completeCheckout(String(attached.checkoutUrl).split("/").pop()!);
    }
    const pool = session.billing.database.pool as unknown as {
      options: { max: number };
      connect: () => Promise<{ release: () => void }>;
    };
    const advancing = advance(clock.id, "2026-03-01T00:00:00Z");
    const answered = await Promise.race([
      advancing.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10_000)),
    ]);
    if (!answered) {
      // Unblock the deadlock (more connections) so that the rest of the file can run, then fail.
      const max = pool.options.max;
      pool.options.max = max + 5;
      (await pool.connect()).release();
      await advancing;
      pool.options.max = max;
    }
    expect(answered).toBe(true);
  }, 25_000);
});
