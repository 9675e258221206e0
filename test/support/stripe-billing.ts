import { afterAll, beforeAll } from "vitest";
import { stripeProvider } from "../../billing/src/payments/stripe-provider";
import { type FakeStripe, startFakeStripe } from "./fake-stripe";
import { useSeededBilling } from "./seeded-billing";

/**
 * The seeded billing API of one test file collecting through Stripe: the fake Stripe server on loopback, the
 * Stripe provider talking to it, the API listening for its webhooks, and the environment's provider set to stripe
 * (checkout success URL, the default dunning). Webhooks still in flight are delivered before the API closes.
 */
export function useStripeBilling({ timeoutMs }: { timeoutMs?: number } = {}) {
  const webhookSecret = "whsec_lumen_test";
  let fake: FakeStripe | undefined;
  beforeAll(async () => {
    fake = await startFakeStripe({ webhookSecret });
  });
  afterAll(() => fake?.close());
  const current = () => {
    if (!fake) throw new Error("useStripeBilling: the fake Stripe server is not started yet (use it inside tests)");
    return fake;
  };
  const session = useSeededBilling({
    payments: () =>
      stripeProvider({
        secretKey: current().secretKey,
        webhookSecret,
        apiUrl: current().url,
        ...(timeoutMs ? { timeoutMs } : {}),
      }),
  });
  // After-hooks run in reverse: this one runs before the billing API closes.
  afterAll(async () => {
    await fake?.flushWebhooks();
  });
  beforeAll(async () => {
    const address = await session.billing.app.listen({ host: "127.0.0.1", port: 0 });
    current().setWebhookUrl(`${address}/v1/providers/stripe/webhook`);
    await session.ok("PUT", "/v1/settings/payments", {
      provider: "stripe",
      checkoutSuccessUrl: "https://app.example/billing/done",
      dunning: { retryDays: [1, 3, 7], pastDueEntitlements: "keep", afterLastFailure: "cancel" },
    });
  });
  return {
    call: session.call,
    ok: session.ok,
    get billing() {
      return session.billing;
    },
    get fake() {
      return current();
    },
  };
}
