import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Invoice, Lumen, type PaymentSettings } from "../../sdk/src";
import { type FakeStripe, startFakeStripe } from "../support/fake-stripe";
import { freshLumenEnvironment, type RunningLumen, startLumen } from "../support/lumen-process";

/**
 * Issue 6 end to end: payments through the SDK against `npm start` whose billing process holds Stripe keys for the
 * fake Stripe server (PRODUCT §6, §13). Each scenario has its own customer and test clock; the customer saves a card
 * on the fake's hosted checkout, Lumen charges each invoice, dunning retries declined charges, and the sidecar's
 * checks follow the subscription's status.
 */

const WEBHOOK_SECRET = "whsec_lumen_e2e";
const PLAN = "pay-pro";
const FEATURE = "advanced-analytics";

let fake: FakeStripe;
let dataDir: string;
let env: Record<string, string>;
let running: RunningLumen | undefined;
let lumen: Lumen;

beforeAll(async () => {
  fake = await startFakeStripe({ webhookSecret: WEBHOOK_SECRET });
  ({ env, dataDir } = await freshLumenEnvironment());
  env = { ...env, STRIPE_SECRET_KEY: fake.secretKey, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_URL: fake.url };
  running = await startLumen(env);
  const secretKey = /lum_sk_test_[A-Za-z0-9]+/.exec(running.output())?.[0];
  if (!secretKey) throw new Error(`no test key in the output of npm start:\n${running.output()}`);
  fake.setWebhookUrl(`http://127.0.0.1:${env.LUMEN_API_PORT}/v1/providers/stripe/webhook`);
  lumen = new Lumen({
    apiUrl: `http://127.0.0.1:${env.LUMEN_API_PORT}`,
    sidecarUrl: `http://127.0.0.1:${env.LUMEN_SIDECAR_PORT}`,
    secretKey,
  });
  await lumen.admin.settings.putPayments({ provider: "stripe", checkoutSuccessUrl: "https://app.example/done" });
  await lumen.admin.features.create({ id: FEATURE, name: "Advanced analytics", type: "boolean" });
  await lumen.admin.plans.create({
    id: PLAN,
    name: "Pro",
    currency: "USD",
    group: PLAN,
    items: [
      { type: "fixed", amount: "20.00" },
      { type: "feature", feature: FEATURE },
    ],
  });
}, 90_000);

afterAll(async () => {
  await lumen?.close();
  await running?.stop();
  await fake?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const SCENARIO_TIMEOUT = 60_000;

/** A customer on a clock of its own attaches the paid plan: with no card yet, the answer sends it to checkout. */
async function attachThroughCheckout(customer: string) {
  const clock = await lumen.admin.testClocks.create({ frozenTime: "2026-03-01T00:00:00Z", name: customer });
  await lumen.admin.customers.create({ id: customer, name: customer, testClock: clock.id });
  const attached = await lumen.admin.attach({ customer, plan: PLAN });
  expect(attached.invoice).toBeNull();
  expect(attached.subscription).toMatchObject({ plan: PLAN, status: "pending" });
  expect(attached.checkoutUrl).toMatch(/^https:\/\/checkout\.stripe\.com\/c\/pay\/cs_test_/);
  const sessionId = attached.checkoutUrl!.split("/").pop()!;
  return {
    subscription: attached.subscription.id,
    sessionId,
    advance: (frozenTime: string) => lumen.admin.testClocks.advance(clock.id, { frozenTime }),
  };
}

/** The customer's invoices, oldest first (the API lists newest first). */
async function invoicesOf(customer: string): Promise<Invoice[]> {
  const invoices: Invoice[] = [];
  for await (const invoice of lumen.admin.invoices.listAll({ customer })) invoices.push(invoice);
  return invoices.reverse();
}

async function statusOf(subscription: string) {
  return (await lumen.admin.subscriptions.get(subscription)).status;
}

/** The PaymentIntents the fake Stripe holds for the customer, first to last. */
function intentsOf(customer: string) {
  return fake
    .paymentIntents()
    .filter((intent) => intent.metadata.lumen_customer === customer)
    .map((intent) => ({ amount: intent.amount, currency: intent.currency, status: intent.status }));
}

/**
 * Waits until the sidecar's check of the plan's feature answers this: definitions reach the sidecar asynchronously
 * after each change (a fallback answer, `sidecar_unavailable`, never matches).
 */
async function waitForSidecarCheck(customer: string, expected: { allowed: boolean; reason: string | null }) {
  await expect
    .poll(
      async () => {
        const { allowed, reason } = await lumen.check({ customerId: customer, feature: FEATURE });
        return { allowed, reason };
      },
      { timeout: 15_000, interval: 100 },
    )
    .toEqual(expected);
}

/** Runs `body` with the dunning's `pastDueEntitlements` set, then restores the previous setting. */
async function withPastDueEntitlements(
  value: PaymentSettings["dunning"]["pastDueEntitlements"],
  body: () => Promise<void>,
) {
  const { dunning } = await lumen.admin.settings.getPayments();
  await lumen.admin.settings.putPayments({ dunning: { pastDueEntitlements: value } });
  try {
    await body();
  } finally {
    await lumen.admin.settings.putPayments({ dunning: { pastDueEntitlements: dunning.pastDueEntitlements } });
  }
}

describe("payments through the SDK against npm start and the fake Stripe server, on test clocks", () => {
  it(
    "checkout → active → charged each period: the feature is allowed once the card is saved",
    async () => {
      const customer = "pay-happy";
      const { subscription, sessionId, advance } = await attachThroughCheckout(customer);
      const [session] = fake.checkoutSessions().filter((candidate) => candidate.id === sessionId);
      expect(session).toMatchObject({ mode: "setup", status: "open", success_url: "https://app.example/done" });
      expect(await statusOf(subscription)).toBe("pending");
      // The sidecar knows the customer, and a pending subscription entitles to nothing.
      await waitForSidecarCheck(customer, { allowed: false, reason: "no_entitlement" });

      await fake.completeCheckout(sessionId);
      expect(await statusOf(subscription)).toBe("active");
      await expect
        .poll(() => lumen.isFeatureEntitled({ feature: FEATURE, userId: customer }), { timeout: 15_000, interval: 100 })
        .toBe(true);
      const [first] = await invoicesOf(customer);
      expect(first).toMatchObject({ billingReason: "subscription_create", status: "open", total: "20.00" });

      // The charge is due now: advancing the clock to the same time runs it.
      await advance("2026-03-01T00:00:00Z");
      expect(await lumen.admin.invoices.get(first!.id)).toMatchObject({ status: "paid", amountPaid: "20.00" });
      const { data: attempts } = await lumen.admin.invoices.payments(first!.id);
      expect(attempts).toMatchObject([
        {
          invoice: first!.id,
          customer,
          provider: "stripe",
          attempt: 1,
          amount: "20.00",
          currency: "USD",
          status: "succeeded",
          providerPaymentId: expect.stringMatching(/^pi_/),
          failureCode: null,
        },
      ]);

      // Past the period end and the grace period: the period invoice is final, then charged.
      await advance("2026-04-01T01:00:01Z");
      const invoices = await invoicesOf(customer);
      expect(invoices.map((invoice) => [invoice.billingReason, invoice.status, invoice.amountPaid])).toEqual([
        ["subscription_create", "paid", "20.00"],
        ["subscription_cycle", "paid", "20.00"],
      ]);
      expect(intentsOf(customer)).toEqual([
        { amount: 2000, currency: "usd", status: "succeeded" },
        { amount: 2000, currency: "usd", status: "succeeded" },
      ]);
      expect(await statusOf(subscription)).toBe("active");
      await waitForSidecarCheck(customer, { allowed: true, reason: null });
      // Stripe's webhooks reached the billing API and were accepted.
      expect(fake.deliveries.map((delivery) => delivery.type)).toEqual(
        expect.arrayContaining(["checkout.session.completed", "payment_intent.succeeded"]),
      );
      expect(fake.deliveries.filter((delivery) => delivery.status !== 200)).toEqual([]);
    },
    SCENARIO_TIMEOUT,
  );

  it(
    "a declined card: past_due and revoked, retried after a day with the card fixed, then paid, active, allowed",
    async () => {
      await withPastDueEntitlements("revoke", async () => {
        const customer = "pay-recovered";
        const { subscription, sessionId, advance } = await attachThroughCheckout(customer);
        const { paymentMethod } = await fake.completeCheckout(sessionId, { card: "declines" });
        await waitForSidecarCheck(customer, { allowed: true, reason: null });

        await advance("2026-03-01T00:00:00Z");
        const [invoice] = await invoicesOf(customer);
        expect(invoice).toMatchObject({ status: "open", amountPaid: "0.00" });
        expect((await lumen.admin.invoices.payments(invoice!.id)).data).toMatchObject([
          { attempt: 1, status: "failed", failureCode: expect.any(String) },
        ]);
        expect(await statusOf(subscription)).toBe("past_due");
        await waitForSidecarCheck(customer, { allowed: false, reason: "subscription_inactive" });

        fake.setCardBehaviour(paymentMethod, "succeeds");
        await advance("2026-03-02T00:00:00Z");
        expect(await lumen.admin.invoices.get(invoice!.id)).toMatchObject({ status: "paid", amountPaid: "20.00" });
        const { data: attempts } = await lumen.admin.invoices.payments(invoice!.id);
        expect(attempts.map((payment) => [payment.attempt, payment.status])).toEqual([
          [1, "failed"],
          [2, "succeeded"],
        ]);
        expect(await statusOf(subscription)).toBe("active");
        await waitForSidecarCheck(customer, { allowed: true, reason: null });
      });
    },
    SCENARIO_TIMEOUT,
  );

  it(
    "every retry fails: the feature is revoked while past_due, and the subscription canceled after the fourth attempt",
    async () => {
      await withPastDueEntitlements("revoke", async () => {
        const customer = "pay-lost";
        const { subscription, sessionId, advance } = await attachThroughCheckout(customer);
        await fake.completeCheckout(sessionId, { card: "declines" });
        await waitForSidecarCheck(customer, { allowed: true, reason: null });

        await advance("2026-03-01T00:00:00Z");
        expect(await statusOf(subscription)).toBe("past_due");
        await waitForSidecarCheck(customer, { allowed: false, reason: "subscription_inactive" });

        // Retries after 1, 3 and 7 more days: attempts 2, 3 and 4, all declined.
        await advance("2026-03-02T00:00:00Z");
        await advance("2026-03-05T00:00:00Z");
        expect(await statusOf(subscription)).toBe("past_due");
        await advance("2026-03-12T00:00:00Z");
        const [invoice] = await invoicesOf(customer);
        expect(invoice).toMatchObject({ status: "open", amountPaid: "0.00" });
        const { data: attempts } = await lumen.admin.invoices.payments(invoice!.id);
        expect(attempts.map((payment) => [payment.attempt, payment.status])).toEqual([
          [1, "failed"],
          [2, "failed"],
          [3, "failed"],
          [4, "failed"],
        ]);
        expect(intentsOf(customer).map((intent) => intent.status)).toEqual(Array(4).fill("requires_payment_method"));
        expect(await statusOf(subscription)).toBe("canceled");
        // Canceled: the plan grants nothing any more.
        await waitForSidecarCheck(customer, { allowed: false, reason: "no_entitlement" });
      });
    },
    SCENARIO_TIMEOUT,
  );
});
