import { Decimal } from "@lumen/core";
// The `stripe` provider through the official SDK against the fake Stripe server on loopback (PRODUCT §13).
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeStripe, startFakeStripe, startWebhookReceiver } from "../../../test/support/fake-stripe";
import { type PaymentProvider, ProviderUnavailableError, WebhookSignatureError } from "./payment-provider";
import { stripeAmount, stripeProvider } from "./stripe-provider";

const webhookSecret = "whsec_provider_test";
let fake: FakeStripe;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;
let provider: PaymentProvider;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  fake = await startFakeStripe({ webhookSecret, webhookUrl: receiver.url });
  provider = stripeProvider({ secretKey: fake.secretKey, webhookSecret, apiUrl: fake.url, timeoutMs: 2_000 });
});
afterAll(async () => {
  await fake.close();
  await receiver.close();
});
afterEach(async () => {
  await fake.flushWebhooks();
  receiver.received.length = 0;
});

let keys = 0;
function key(name: string) {
  keys += 1;
  return `${name}-${keys}`;
}

async function customer() {
  const metadata = { lumen_env: "test", lumen_customer: "cust_1" };
  return provider.createCustomer({ name: "Ada", email: "ada@example.test", metadata, idempotencyKey: key("customer") });
}

/** A customer who went through checkout and saved a card that behaves so. */
async function customerWithCard(card: "succeeds" | "declines" | "insufficient_funds" | "processing" = "succeeds") {
  const { id } = await customer();
  const checkout = await provider.createCheckout({
    providerCustomerId: id,
    currency: "EUR",
    successUrl: "https://app.example/ok",
    cancelUrl: "https://app.example/cancel",
    metadata: { lumen_env: "test", lumen_checkout: "chk_1" },
    idempotencyKey: key("checkout"),
  });
  const { paymentMethod } = await fake.completeCheckout(checkout.id, { card });
  return { providerCustomerId: id, paymentMethod };
}

function charge(card: { providerCustomerId: string; paymentMethod: string }, idempotencyKey = key("charge")) {
  return provider.charge({
    ...card,
    amount: new Decimal("19.99"),
    currency: "EUR",
    description: "Invoice INV-1",
    metadata: { lumen_env: "test", lumen_payment: "pay_1" },
    idempotencyKey,
  });
}

describe("stripe provider: customers and checkout", () => {
  it("creates a customer once per idempotency key", async () => {
    const input = { name: "Ada", email: null, metadata: { lumen_customer: "c1" }, idempotencyKey: key("customer") };
    const first = await provider.createCustomer(input);
    const again = await provider.createCustomer(input);
    expect(first.id).toMatch(/^cus_/);
    expect(again.id).toBe(first.id);
    expect(fake.customers().filter((found) => found.id === first.id)).toEqual([
      expect.objectContaining({ name: "Ada", email: null, metadata: { lumen_customer: "c1" } }),
    ]);
  });

  it("opens a setup-mode checkout, complete with the saved card once the customer is done", async () => {
    const { id } = await customer();
    const metadata = { lumen_env: "test", lumen_checkout: "chk_7" };
    const checkout = await provider.createCheckout({
      providerCustomerId: id,
      currency: "EUR",
      successUrl: "https://app.example/ok",
      cancelUrl: "https://app.example/cancel",
      metadata,
      idempotencyKey: key("checkout"),
    });
    expect(checkout).toMatchObject({ status: "open", paymentMethod: null, providerCustomerId: id, metadata });
    expect(checkout.url).toMatch(/^https:\/\//);
    expect(fake.checkoutSessions().find((session) => session.id === checkout.id)).toMatchObject({
      mode: "setup",
      currency: "eur",
      allowed_payment_method_types: ["card"],
    });

    const { paymentMethod } = await fake.completeCheckout(checkout.id);
    expect(await provider.getCheckout(checkout.id)).toEqual({
      ...checkout,
      url: null,
      status: "complete",
      paymentMethod,
    });
  });

  it("reads an expired checkout", async () => {
    const { id } = await customer();
    const input = {
      providerCustomerId: id,
      currency: "EUR",
      successUrl: "https://a.example",
      cancelUrl: "https://a.example",
    };
    const checkout = await provider.createCheckout({ ...input, metadata: {}, idempotencyKey: key("checkout") });
    await fake.expireCheckout(checkout.id);
    expect(await provider.getCheckout(checkout.id)).toMatchObject({
      status: "expired",
      url: null,
      paymentMethod: null,
    });
  });
});

describe("stripe provider: amounts in Stripe's units", () => {
  it.each([
    ["12.34", "USD", 1234],
    ["500", "JPY", 500],
    ["500", "ISK", 50000],
    ["12.340", "KWD", 12340],
    ["0.05", "EUR", 5],
  ])("%s %s is %d", (amount, currency, units) => {
    expect(stripeAmount(new Decimal(amount), currency)).toBe(units);
  });

  it("refuses what Stripe cannot express instead of rounding it", () => {
    expect(() => stripeAmount(new Decimal("12.345"), "KWD")).toThrow("cannot charge 12.345 KWD");
    expect(() => stripeAmount(new Decimal("0.5"), "JPY")).toThrow("cannot charge 0.5 JPY");
  });

  it("answers a charge Stripe could not express as a failed attempt, without asking Stripe", async () => {
    const card = await customerWithCard();
    const before = fake.paymentIntents().length;
    const payment = await provider.charge({
      ...card,
      amount: new Decimal("12.345"),
      currency: "KWD",
      description: "Invoice INV-2",
      metadata: {},
      idempotencyKey: key("kwd"),
    });
    expect(payment).toMatchObject({ id: null, status: "failed", failureCode: "amount_not_chargeable" });
    expect(fake.paymentIntents()).toHaveLength(before);
  });
});

describe("stripe provider: charges", () => {
  it("charges the saved card off-session", async () => {
    const card = await customerWithCard();
    const payment = await charge(card);
    expect(payment).toEqual({
      id: expect.stringMatching(/^pi_/),
      status: "succeeded",
      failureCode: null,
      failureMessage: null,
      metadata: { lumen_env: "test", lumen_payment: "pay_1" },
    });
    expect(fake.paymentIntents().find((intent) => intent.id === payment.id)).toMatchObject({
      amount: 1999,
      currency: "eur",
      customer: card.providerCustomerId,
      payment_method: card.paymentMethod,
      description: "Invoice INV-1",
    });
  });

  it("answers a declined card as failed, with the decline code and the PaymentIntent", async () => {
    const declined = await charge(await customerWithCard("declines"));
    expect(declined).toMatchObject({ status: "failed", failureCode: "generic_decline" });
    expect(declined.failureMessage).toBe("Your card was declined.");
    expect(declined.id).toMatch(/^pi_/);
    expect(fake.paymentIntents().find((intent) => intent.id === declined.id)?.status).toBe("requires_payment_method");
    expect(await provider.getPayment(declined.id!)).toMatchObject({ status: "failed", failureCode: "generic_decline" });

    const broke = await charge(await customerWithCard("insufficient_funds"));
    expect(broke).toMatchObject({ status: "failed", failureCode: "insufficient_funds" });
  });

  it("charges a card that was fixed after declining", async () => {
    const card = await customerWithCard("declines");
    expect((await charge(card)).status).toBe("failed");
    fake.setCardBehaviour(card.paymentMethod, "succeeds");
    expect((await charge(card)).status).toBe("succeeded");
  });

  it("reads a processing payment, succeeded once the fake settles it", async () => {
    const processing = await charge(await customerWithCard("processing"));
    expect(processing).toMatchObject({ status: "processing", failureCode: null });
    await fake.settlePayments();
    expect(await provider.getPayment(processing.id!)).toMatchObject({ id: processing.id, status: "succeeded" });
  });
});

describe("stripe provider: the network", () => {
  it("a single dropped connection is retried once by the SDK itself, with the same idempotency key", async () => {
    // stripe-node retries ECONNRESET/EPIPE once even with maxNetworkRetries: 0 (RequestSender._shouldRetry).
    const card = await customerWithCard();
    const idempotencyKey = key("charge");
    fake.failNext(1, "reset");
    expect((await charge(card, idempotencyKey)).status).toBe("succeeded");
    expect(fake.requests.filter((request) => request.idempotencyKey === idempotencyKey)).toHaveLength(2);
  });

  it("a connection dropped on the retry too is ProviderUnavailableError, and nothing was charged", async () => {
    const card = await customerWithCard();
    const before = fake.paymentIntents().length;
    fake.failNext(2, "reset");
    await expect(charge(card)).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(fake.paymentIntents()).toHaveLength(before);
  });

  it("a charge made whose answer was lost is found by the same call again, never made twice", async () => {
    const card = await customerWithCard();
    const idempotencyKey = key("charge");
    const before = fake.paymentIntents().length;
    // Two: the SDK's own retry of a dropped connection meets the same fate.
    fake.failNext(2, "reset_after");
    await expect(charge(card, idempotencyKey)).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(fake.paymentIntents()).toHaveLength(before + 1);

    const retried = await charge(card, idempotencyKey);
    expect(retried.status).toBe("succeeded");
    expect(fake.paymentIntents()).toHaveLength(before + 1);
    expect(fake.paymentIntents().at(-1)?.id).toBe(retried.id);
  });

  it("no answer within timeoutMs is ProviderUnavailableError", async () => {
    const quick = stripeProvider({ secretKey: fake.secretKey, webhookSecret, apiUrl: fake.url, timeoutMs: 300 });
    const card = await customerWithCard();
    fake.failNext(1, "timeout");
    const started = Date.now();
    await expect(
      quick.charge({
        ...card,
        amount: new Decimal("1.00"),
        currency: "EUR",
        description: "x",
        metadata: {},
        idempotencyKey: key("charge"),
      }),
    ).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it("a 500 is ProviderUnavailableError; a wrong key or a bad request is the SDK's own error", async () => {
    fake.failNext(1, "500");
    await expect(provider.getPayment("pi_any")).rejects.toBeInstanceOf(ProviderUnavailableError);
    await expect(provider.getPayment("pi_missing")).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const misconfigured = stripeProvider({ secretKey: "sk_test_wrong", webhookSecret, apiUrl: fake.url });
    await expect(misconfigured.getPayment("pi_any")).rejects.toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
  });
});

describe("stripe provider: refunds", () => {
  it("refunds a payment, pending until the provider settles it", async () => {
    const payment = await charge(await customerWithCard());
    const metadata = { lumen_env: "test", lumen_refund: "ref_1" };
    const refund = await provider.refund({
      paymentId: payment.id!,
      amount: new Decimal("5.00"),
      currency: "USD",
      metadata,
      idempotencyKey: key("r"),
    });
    expect(refund).toEqual({ id: expect.stringMatching(/^re_/), status: "succeeded", metadata });

    fake.refunds.mode = "pending";
    const pending = await provider.refund({
      paymentId: payment.id!,
      amount: new Decimal("5.00"),
      currency: "USD",
      metadata,
      idempotencyKey: key("r"),
    });
    expect(pending.status).toBe("pending");
    fake.refunds.mode = "succeeded";
    receiver.received.length = 0;
    await fake.settleRefunds();
    const delivery = receiver.received.at(-1)!;
    expect(provider.parseWebhook(delivery.body, delivery.headers)).toMatchObject({
      type: "refund.updated",
      refund: { id: pending.id, status: "succeeded" },
    });
  });

  it("refunding more than is left is the SDK's error, not an outage", async () => {
    const payment = await charge(await customerWithCard());
    const refund = {
      paymentId: payment.id!,
      amount: new Decimal("50.00"),
      currency: "USD",
      metadata: {},
      idempotencyKey: key("r"),
    };
    await expect(provider.refund(refund)).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });
});

describe("stripe provider: webhooks", () => {
  it("reads real deliveries: a completed checkout, a failed payment", async () => {
    const card = await customerWithCard("declines");
    const completed = provider.parseWebhook(receiver.received[0]!.body, receiver.received[0]!.headers);
    expect(completed).toMatchObject({
      id: expect.stringMatching(/^evt_/),
      type: "checkout.completed",
      checkout: {
        status: "complete",
        providerCustomerId: card.providerCustomerId,
        metadata: { lumen_checkout: "chk_1" },
      },
    });
    const declined = await charge(card);
    await fake.flushWebhooks();
    const delivery = receiver.received.at(-1)!;
    expect(provider.parseWebhook(delivery.body, delivery.headers)).toMatchObject({
      type: "payment.updated",
      payment: { id: declined.id, status: "failed", failureCode: "generic_decline" },
    });
  });

  it("refuses a body that is not the one signed, another secret, a missing header, a signature 301 s old", async () => {
    await customerWithCard();
    const { body, headers } = receiver.received[0]!;
    const tampered = Buffer.from(body.toString().replace('"complete"', '"open"'));
    expect(() => provider.parseWebhook(tampered, headers)).toThrow(WebhookSignatureError);
    const otherSecret = fake.signPayload(body.toString(), { secret: "whsec_other" });
    expect(() => provider.parseWebhook(body, { "stripe-signature": otherSecret })).toThrow(WebhookSignatureError);
    expect(() => provider.parseWebhook(body, {})).toThrow(WebhookSignatureError);
    const now = Math.floor(Date.now() / 1000);
    const old = fake.signPayload(body.toString(), { timestamp: now - 301 });
    expect(() => provider.parseWebhook(body, { "stripe-signature": old })).toThrow(WebhookSignatureError);
    const recent = fake.signPayload(body.toString(), { timestamp: now - 290 });
    expect(provider.parseWebhook(body, { "stripe-signature": recent }).type).toBe("checkout.completed");
  });

  it("reads an event it does not act on as ignored", async () => {
    const body = JSON.stringify({ id: "evt_other", object: "event", type: "customer.updated", data: { object: {} } });
    const event = provider.parseWebhook(Buffer.from(body), { "stripe-signature": fake.signPayload(body) });
    expect(event).toEqual({ id: "evt_other", type: "ignored", providerType: "customer.updated" });
  });
});
