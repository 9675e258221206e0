import { invalid, LumenError } from "@lumen/core";
import { db, type EngineContext, type Env, withTransaction } from "../context";
import { applyCheckoutSession } from "./checkout";
import { applyPaymentOutcome } from "./collect-invoice";
import { type ProviderEvent, WebhookSignatureError } from "./payment-provider";
import { applyRefundOutcome } from "./refund-credit-note";

/**
 * `POST /v1/providers/stripe/webhook` (PRODUCT §13): verifies the signature (a bad one is a 400 that changes
 * nothing), then handles each provider event once: its id is recorded in the transaction that applies it, so a
 * duplicate is answered without effect and a failure leaves it for the provider's redelivery. Events may come in
 * any order: what they say only moves payments and checkouts forward.
 */
export async function handleProviderWebhook({
  ctx,
  rawBody,
  headers,
}: {
  ctx: EngineContext;
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
}): Promise<{ received: true; duplicate: boolean }> {
  const provider = ctx.payments;
  if (!provider) throw new LumenError("not_found", "This billing process has no Stripe provider (STRIPE_SECRET_KEY)");
  let event: ProviderEvent;
  try {
    event = provider.parseWebhook(rawBody, headers);
  } catch (error) {
    if (error instanceof WebhookSignatureError) throw invalid("Stripe-Signature", error.message);
    throw error;
  }
  // The object's environment, if Lumen made it and the event's mode agrees (live money only for the live env).
  const claimed = envOf(event);
  const env = claimed !== null && (claimed === "live") === event.livemode ? claimed : null;
  return withTransaction({ ...ctx, env: env ?? ctx.env, actor: provider.name }, async (ctx) => {
    const { rowCount } = await db(ctx).query(
      `INSERT INTO provider_events (provider, event_id, type, received_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT DO NOTHING`,
      [provider.name, event.id, event.type === "ignored" ? event.providerType : event.type, ctx.clock.now()],
    );
    if (rowCount !== 1) return { received: true, duplicate: true };
    if (env === null) return { received: true, duplicate: false };
    if (event.type === "checkout.completed" || event.type === "checkout.expired") {
      // The event's session may be older than the truth (and lacks the payment method): ask for the session now.
      await applyCheckoutSession(ctx, await provider.getCheckout(event.checkout.id));
    } else if (event.type === "payment.updated" && event.payment.metadata.lumen_payment) {
      await applyPaymentOutcome(ctx, event.payment.metadata.lumen_payment, event.payment, { fromEvent: true });
    } else if (event.type === "refund.updated") {
      await applyRefundOutcome(ctx, event.refund);
    }
    return { received: true, duplicate: false };
  });
}

/** The environment of the object the event is about (Lumen's metadata); null for objects Lumen did not make. */
function envOf(event: ProviderEvent): Env | null {
  const metadata =
    event.type === "checkout.completed" || event.type === "checkout.expired"
      ? event.checkout.metadata
      : event.type === "payment.updated"
        ? event.payment.metadata
        : event.type === "refund.updated"
          ? event.refund.metadata
          : {};
  const env = metadata.lumen_env;
  return env === "test" || env === "live" ? env : null;
}
