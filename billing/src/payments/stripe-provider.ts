import { Decimal } from "@lumen/core";
import Stripe from "stripe";
import {
  type CheckoutSession,
  type PaymentProvider,
  type PaymentStatus,
  type ProviderEvent,
  type ProviderPayment,
  type ProviderRefund,
  ProviderUnavailableError,
  WebhookSignatureError,
} from "./payment-provider";

/** Stripe's own default; a webhook signed longer ago than this is refused (a replay). */
const WEBHOOK_TOLERANCE_SECONDS = 300;

/**
 * The `stripe` provider through the official SDK. `apiUrl` points the SDK at another server (a fake on loopback in
 * tests) through its `host`, `port` and `protocol` options; the SDK always adds the `/v1/` path itself. The SDK's own
 * retries are off: Lumen retries with the same idempotency keys, on its own schedule.
 */
export function stripeProvider({
  secretKey,
  webhookSecret,
  apiUrl,
  timeoutMs = 10_000,
}: {
  secretKey: string;
  webhookSecret: string;
  apiUrl?: string;
  timeoutMs?: number;
}): PaymentProvider {
  const stripe = new Stripe(secretKey, { ...addressOf(apiUrl), timeout: timeoutMs, maxNetworkRetries: 0 });
  return {
    name: "stripe",
    // Stripe's secret and restricted keys say their mode: sk_live_…, rk_test_….
    mode: /^[a-z]{2}_live_/.test(secretKey) ? "live" : "test",

    async createCustomer({ name, email, metadata, idempotencyKey }) {
      const customer = await reach(() =>
        stripe.customers.create({ name: name ?? undefined, email: email ?? undefined, metadata }, { idempotencyKey }),
      );
      return { id: customer.id };
    },

    async createCheckout({ providerCustomerId, currency, successUrl, cancelUrl, metadata, idempotencyKey }) {
      const session = await reach(() =>
        stripe.checkout.sessions.create(
          {
            mode: "setup",
            customer: providerCustomerId,
            currency: currency.toLowerCase(),
            // `payment_method_types` is gone from this API version (2026-09-30.endive); this is its replacement.
            allowed_payment_method_types: ["card"],
            success_url: successUrl,
            cancel_url: cancelUrl,
            metadata,
            setup_intent_data: { metadata },
          },
          { idempotencyKey },
        ),
      );
      return checkoutOf(session);
    },

    async getCheckout(sessionId) {
      const session = await reach(() => stripe.checkout.sessions.retrieve(sessionId, { expand: ["setup_intent"] }));
      return checkoutOf(session);
    },

    async charge({ providerCustomerId, paymentMethod, amount, currency, description, metadata, idempotencyKey }) {
      if (!isStripeAmount(amount, currency)) {
        // Nothing to ask Stripe: it would refuse the amount. A failed attempt, so that the dunning handles it.
        const message = `Stripe cannot charge ${amount.toFixed()} ${currency} exactly`;
        return { id: null, status: "failed", failureCode: "amount_not_chargeable", failureMessage: message, metadata };
      }
      try {
        const intent = await stripe.paymentIntents.create(
          {
            amount: stripeAmount(amount, currency),
            currency: currency.toLowerCase(),
            customer: providerCustomerId,
            payment_method: paymentMethod,
            off_session: true,
            confirm: true,
            description,
            metadata,
          },
          { idempotencyKey },
        );
        return paymentOf(intent);
      } catch (error) {
        // A decline is an HTTP 402 whose body carries the failed PaymentIntent.
        if (error instanceof Stripe.errors.StripeCardError) return declineOf(error);
        throw unavailableOr(error);
      }
    },

    async getPayment(paymentId) {
      return paymentOf(await reach(() => stripe.paymentIntents.retrieve(paymentId)));
    },

    async refund({ paymentId, amount, currency, metadata, idempotencyKey }) {
      const refund = await reach(() =>
        stripe.refunds.create(
          { payment_intent: paymentId, amount: stripeAmount(amount, currency), metadata },
          { idempotencyKey },
        ),
      );
      return refundOf(refund);
    },

    parseWebhook(rawBody, headers) {
      const signature = headers["stripe-signature"];
      if (typeof signature !== "string") throw new WebhookSignatureError("Missing or repeated Stripe-Signature header");
      try {
        return eventOf(stripe.webhooks.constructEvent(rawBody, signature, webhookSecret, WEBHOOK_TOLERANCE_SECONDS));
      } catch (error) {
        if (error instanceof Stripe.errors.StripeSignatureVerificationError) {
          throw new WebhookSignatureError(error.message, { cause: error });
        }
        throw error;
      }
    },
  };
}

/** Currencies Stripe writes in whole units (https://docs.stripe.com/currencies#zero-decimal). */
const ZERO_DECIMAL = new Set("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split(" "));
/** Three-decimal currencies: Stripe wants thousandths whose last digit is 0. */
const THREE_DECIMAL = new Set(["BHD", "JOD", "KWD", "OMR", "TND"]);

/**
 * An amount in Stripe's units of its currency: whole units for zero-decimal currencies, thousandths for the
 * three-decimal ones, hundredths for every other — ISK included, which ISO writes without decimals but Stripe with
 * two (500 kr is 50000). An amount Stripe cannot express is an error, never rounded.
 */
export function stripeAmount(amount: Decimal, currency: string): number {
  if (!isStripeAmount(amount, currency)) {
    throw new Error(`Stripe cannot charge ${amount.toFixed()} ${currency.toUpperCase()} exactly`);
  }
  return unitsOf(amount, currency).toNumber();
}

/** Whether Stripe can express the amount exactly (a three-decimal amount must end in 0). */
function isStripeAmount(amount: Decimal, currency: string): boolean {
  const units = unitsOf(amount, currency);
  return units.isInteger() && (!THREE_DECIMAL.has(currency.toUpperCase()) || units.mod(10).isZero());
}

function unitsOf(amount: Decimal, currency: string): Decimal {
  const code = currency.toUpperCase();
  const exponent = ZERO_DECIMAL.has(code) ? 0 : THREE_DECIMAL.has(code) ? 3 : 2;
  return amount.times(new Decimal(10).pow(exponent));
}

function addressOf(apiUrl: string | undefined): { host?: string; port?: number; protocol?: "http" | "https" } {
  if (!apiUrl) return {};
  const url = new URL(apiUrl);
  const protocol = url.protocol === "http:" ? "http" : "https";
  const port = url.port ? Number(url.port) : protocol === "http" ? 80 : 443;
  // node:http wants an IPv6 host without the brackets a URL writes around it.
  return { host: url.hostname.replace(/^\[(.*)\]$/, "$1"), port, protocol };
}

/** Runs one API call; a failure that says nothing about the outcome becomes `ProviderUnavailableError`. */
async function reach<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw unavailableOr(error);
  }
}

/**
 * No answer (connection refused or reset, timeout), a 5xx or a 429: nothing is known, and the same call may be
 * made again. Anything else (400, 401, 403, 404, an idempotency key reused with other parameters) is a bug or a
 * misconfiguration and stays the SDK's error.
 */
function unavailableOr(error: unknown): unknown {
  const unavailable =
    error instanceof Stripe.errors.StripeConnectionError ||
    error instanceof Stripe.errors.StripeAPIError ||
    error instanceof Stripe.errors.StripeRateLimitError;
  return unavailable ? new ProviderUnavailableError(error.message, { cause: error }) : error;
}

const checkoutStatuses: Record<string, CheckoutSession["status"]> = { complete: "complete", expired: "expired" };

function checkoutOf(session: Stripe.Checkout.Session): CheckoutSession {
  const status = checkoutStatuses[session.status ?? "open"] ?? "open";
  return {
    id: session.id,
    url: status === "open" ? session.url : null,
    status,
    paymentMethod: status === "complete" ? savedPaymentMethodOf(session.setup_intent) : null,
    providerCustomerId: idOf(session.customer),
    metadata: session.metadata ?? {},
  };
}

/** Known only when the SetupIntent is expanded (getCheckout); a webhook's session carries its id alone. */
function savedPaymentMethodOf(setupIntent: Stripe.Checkout.Session["setup_intent"]): string | null {
  return setupIntent !== null && typeof setupIntent === "object" ? idOf(setupIntent.payment_method) : null;
}

const paymentStatuses: Record<string, PaymentStatus> = {
  succeeded: "succeeded",
  processing: "processing",
  requires_confirmation: "processing",
  requires_capture: "processing",
  requires_payment_method: "failed",
  requires_action: "failed",
  canceled: "failed",
};

function paymentOf(intent: Stripe.PaymentIntent): ProviderPayment {
  // A status this code does not know yet is not an outcome: reconciliation asks again later.
  const status = paymentStatuses[intent.status] ?? "processing";
  const error = intent.last_payment_error;
  return {
    id: intent.id,
    status,
    failureCode: status === "failed" ? (error?.decline_code ?? error?.code ?? intent.status) : null,
    failureMessage: status === "failed" ? (error?.message ?? null) : null,
    metadata: intent.metadata,
  };
}

function declineOf(error: Stripe.errors.StripeCardError): ProviderPayment {
  const intent = error.payment_intent;
  return {
    id: intent?.id ?? null,
    status: "failed",
    failureCode: error.decline_code ?? error.code ?? "card_declined",
    failureMessage: error.message,
    metadata: intent?.metadata ?? {},
  };
}

const refundStatuses: Record<string, ProviderRefund["status"]> = {
  succeeded: "succeeded",
  pending: "pending",
  requires_action: "pending",
  failed: "failed",
  canceled: "failed",
};

function refundOf(refund: Stripe.Refund): ProviderRefund {
  return {
    id: refund.id,
    status: refundStatuses[refund.status ?? "pending"] ?? "pending",
    metadata: refund.metadata ?? {},
  };
}

function eventOf(event: Stripe.Event): ProviderEvent {
  const about = { id: event.id, livemode: event.livemode };
  switch (event.type) {
    case "checkout.session.completed":
      return { ...about, type: "checkout.completed", checkout: checkoutOf(event.data.object) };
    case "checkout.session.expired":
      return { ...about, type: "checkout.expired", checkout: checkoutOf(event.data.object) };
    case "payment_intent.succeeded":
    case "payment_intent.payment_failed":
    case "payment_intent.processing":
    case "payment_intent.canceled":
      return { ...about, type: "payment.updated", payment: paymentOf(event.data.object) };
    case "refund.created":
    case "refund.updated":
    case "refund.failed":
      return { ...about, type: "refund.updated", refund: refundOf(event.data.object) };
    default:
      return { ...about, type: "ignored", providerType: event.type };
  }
}

function idOf(value: string | { id: string } | null): string | null {
  return value === null || typeof value === "string" ? value : value.id;
}
