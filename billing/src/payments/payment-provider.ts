import type { Decimal } from "@lumen/core";

/**
 * A payment provider (PRODUCT §13): who holds the customer's payment method and moves the money. `stripe` is one
 * implementation; `manual` is none at all (invoices stay open until paid out of band), so it has no object here.
 * Amounts cross this interface as exact decimals of `currency` (ISO 4217 upper case); each provider writes them in
 * its own units (Stripe's are not always ISO's minor units: ISK, three-decimal currencies).
 */
export interface PaymentProvider {
  readonly name: "stripe";
  /** Whose money moves: a test key's (test cards) or a live key's. An environment collects only in its own mode. */
  readonly mode: "test" | "live";
  /** The provider's customer for a Lumen customer; the same `idempotencyKey` never makes a second one. */
  createCustomer(input: {
    name: string | null;
    email: string | null;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }): Promise<{ id: string }>;
  /** A hosted page where the customer saves a payment method for later charges (Stripe: Checkout in setup mode). */
  createCheckout(input: {
    providerCustomerId: string;
    currency: string;
    successUrl: string;
    cancelUrl: string;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }): Promise<CheckoutSession>;
  getCheckout(sessionId: string): Promise<CheckoutSession>;
  /**
   * Charges the payment method off-session. A decline is an answer (`failed`), not an error; an error means nothing
   * is known (network, timeout, 5xx) and the same call with the same `idempotencyKey` may be made again: it never
   * charges twice.
   */
  charge(input: {
    providerCustomerId: string;
    paymentMethod: string;
    amount: Decimal;
    currency: string;
    description: string;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }): Promise<ProviderPayment>;
  getPayment(paymentId: string): Promise<ProviderPayment>;
  refund(input: {
    paymentId: string;
    amount: Decimal;
    currency: string;
    metadata: Record<string, string>;
    idempotencyKey: string;
  }): Promise<ProviderRefund>;
  /** Verifies a webhook's signature and reads it; throws `WebhookSignatureError` when it is not the provider's. */
  parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): ProviderEvent;
}

export interface CheckoutSession {
  id: string;
  /** Where to send the customer; null once the session is no longer open. */
  url: string | null;
  status: "open" | "complete" | "expired";
  /** The payment method saved by a completed session. */
  paymentMethod: string | null;
  providerCustomerId: string | null;
  metadata: Record<string, string>;
}

export type PaymentStatus = "succeeded" | "processing" | "failed";

export interface ProviderPayment {
  /** The provider's id (Stripe: the PaymentIntent's); null when a decline left no payment object behind. */
  id: string | null;
  status: PaymentStatus;
  /** Why it failed ("card_declined", "insufficient_funds"); null unless failed. */
  failureCode: string | null;
  failureMessage: string | null;
  metadata: Record<string, string>;
}

export interface ProviderRefund {
  id: string;
  status: "succeeded" | "pending" | "failed";
  metadata: Record<string, string>;
}

/**
 * A webhook, read into what Lumen acts on; anything else is `ignored` (and still recorded once). `livemode`: whether
 * it is about live money (it must match the environment its object belongs to).
 */
export type ProviderEvent = { id: string; livemode: boolean } & (
  | { type: "checkout.completed"; checkout: CheckoutSession }
  | { type: "checkout.expired"; checkout: CheckoutSession }
  | { type: "payment.updated"; payment: ProviderPayment }
  | { type: "refund.updated"; refund: ProviderRefund }
  | { type: "ignored"; providerType: string }
);

/** A webhook whose signature does not verify (or is too old): answered 400, and nothing changes. */
export class WebhookSignatureError extends Error {}

/** The provider could not be reached or did not answer: nothing is known, the same call may be retried. */
export class ProviderUnavailableError extends Error {}
