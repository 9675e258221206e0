// The fake Stripe server on its own, at the wire: what the provider's tests rely on it to do like Stripe.
import Stripe from "stripe";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type FakeStripe, startFakeStripe, startWebhookReceiver } from "./fake-stripe";

const webhookSecret = "whsec_fake_test";
let fake: FakeStripe;
let receiver: Awaited<ReturnType<typeof startWebhookReceiver>>;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  fake = await startFakeStripe({ webhookSecret, webhookUrl: receiver.url });
});
afterAll(async () => {
  await fake.close();
  await receiver.close();
});
afterEach(async () => {
  await fake.flushWebhooks();
  Object.assign(fake.webhooks, { mode: "immediate", duplicate: false, drop: null });
  fake.refunds.mode = "succeeded";
  receiver.received.length = 0;
});

/** A request as the SDK sends it: form-encoded, bracket notation, the secret key as a bearer token. */
async function call(method: "GET" | "POST", path: string, form = "", idempotencyKey?: string) {
  const headers: Record<string, string> = { authorization: `Bearer ${fake.secretKey}` };
  if (method === "POST") headers["content-type"] = "application/x-www-form-urlencoded";
  if (idempotencyKey) headers["idempotency-key"] = idempotencyKey;
  const url = method === "GET" && form ? `${fake.url}${path}?${form}` : `${fake.url}${path}`;
  const response = await fetch(url, { method, headers, body: method === "POST" ? form : undefined });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: JSON.parse(text) };
}

async function customerWithCard(card: "succeeds" | "declines" | "processing" = "succeeds") {
  const customer = (await call("POST", "/v1/customers", "name=Ada")).json;
  const session = (await call("POST", "/v1/checkout/sessions", `mode=setup&customer=${customer.id}&currency=eur`)).json;
  const { paymentMethod } = await fake.completeCheckout(session.id, { card });
  return { customer: customer.id as string, paymentMethod };
}

function charge(customer: string, paymentMethod: string, amount = 1000) {
  return `amount=${amount}&currency=eur&customer=${customer}&payment_method=${paymentMethod}&off_session=true&confirm=true`;
}

function receivedTypes() {
  return receiver.received.map(({ body }) => JSON.parse(body.toString()).type);
}

describe("fake Stripe: the wire format", () => {
  it("reads bracket notation at any depth and answers Stripe-shaped objects", async () => {
    const customer = (await call("POST", "/v1/customers", "email=a%40b.test&metadata[lumen_env]=test")).json;
    expect(customer).toMatchObject({ object: "customer", email: "a@b.test", livemode: false });
    expect(customer.id).toMatch(/^cus_[A-Za-z0-9]+$/);
    expect(customer.metadata).toEqual({ lumen_env: "test" });
    const form = [
      "mode=setup",
      `customer=${customer.id}`,
      "currency=eur",
      "allowed_payment_method_types[0]=card",
      "metadata[lumen_checkout]=chk_1",
      "setup_intent_data[metadata][lumen_checkout]=chk_1",
    ].join("&");
    const session = (await call("POST", "/v1/checkout/sessions", form)).json;
    expect(session).toMatchObject({
      object: "checkout.session",
      mode: "setup",
      status: "open",
      allowed_payment_method_types: ["card"],
      metadata: { lumen_checkout: "chk_1" },
    });
    expect(session.id).toMatch(/^cs_test_/);
    const setupIntent = (await call("GET", `/v1/setup_intents/${session.setup_intent}`)).json;
    expect(setupIntent).toMatchObject({ object: "setup_intent", metadata: { lumen_checkout: "chk_1" } });
    // `expand[]` as well as `expand[0]`.
    const expanded = (await call("GET", `/v1/checkout/sessions/${session.id}`, "expand[]=setup_intent")).json;
    expect(expanded.setup_intent).toMatchObject({ id: setupIntent.id, object: "setup_intent" });
  });

  it("answers an unknown object with a 404 resource_missing and a wrong key with a 401", async () => {
    const missing = await call("GET", "/v1/payment_intents/pi_nope");
    expect(missing.status).toBe(404);
    expect(missing.json.error).toMatchObject({ type: "invalid_request_error", code: "resource_missing" });
    const unauthorized = await fetch(`${fake.url}/v1/customers/cus_x`, { headers: { authorization: "Bearer sk_no" } });
    expect(unauthorized.status).toBe(401);
  });

  it("declines with a 402 card_error carrying the PaymentIntent left in requires_payment_method", async () => {
    const { customer, paymentMethod } = await customerWithCard("declines");
    const declined = await call("POST", "/v1/payment_intents", charge(customer, paymentMethod));
    expect(declined.status).toBe(402);
    expect(declined.json.error).toMatchObject({
      type: "card_error",
      code: "card_declined",
      decline_code: "generic_decline",
      payment_intent: { object: "payment_intent", status: "requires_payment_method" },
    });
    await fake.flushWebhooks();
    expect(receivedTypes()).toContain("payment_intent.payment_failed");
  });
});

describe("fake Stripe: idempotency", () => {
  it("replays the stored answer for the same key and parameters, without a second object", async () => {
    const before = fake.customers().length;
    const first = await call("POST", "/v1/customers", "name=Ada&metadata[a]=1", "key-replay");
    const second = await call("POST", "/v1/customers", "metadata[a]=1&name=Ada", "key-replay");
    expect(second.text).toBe(first.text);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    expect(fake.customers().length).toBe(before + 1);
    expect(fake.requests.filter((request) => request.idempotencyKey === "key-replay")).toEqual([
      { method: "POST", path: "/v1/customers", idempotencyKey: "key-replay" },
      { method: "POST", path: "/v1/customers", idempotencyKey: "key-replay" },
    ]);
  });

  it("refuses the same key with other parameters: 400 idempotency_error", async () => {
    await call("POST", "/v1/customers", "name=Ada", "key-conflict");
    const conflict = await call("POST", "/v1/customers", "name=Grace", "key-conflict");
    expect(conflict.status).toBe(400);
    expect(conflict.json.error.type).toBe("idempotency_error");
  });

  it("replays a decline too: the same key never charges twice", async () => {
    const { customer, paymentMethod } = await customerWithCard("declines");
    const first = await call("POST", "/v1/payment_intents", charge(customer, paymentMethod), "key-decline");
    fake.setCardBehaviour(paymentMethod, "succeeds");
    const again = await call("POST", "/v1/payment_intents", charge(customer, paymentMethod), "key-decline");
    expect(again.status).toBe(402);
    expect(again.text).toBe(first.text);
    const fixed = await call("POST", "/v1/payment_intents", charge(customer, paymentMethod), "key-decline-2");
    expect(fixed.json.status).toBe("succeeded");
  });
});

describe("fake Stripe: network failures", () => {
  it("drops the connection, answers 500, or never answers, for the next requests only", async () => {
    fake.failNext(1, "reset");
    await expect(call("GET", "/v1/customers/cus_x")).rejects.toThrow();
    fake.failNext(1, "500");
    const failed = await call("GET", "/v1/customers/cus_x");
    expect(failed.status).toBe(500);
    expect(failed.json.error.type).toBe("api_error");
    fake.failNext(1, "timeout");
    const silent = fetch(`${fake.url}/v1/customers/cus_x`, { signal: AbortSignal.timeout(200) });
    await expect(silent).rejects.toThrow();
    expect((await call("GET", "/v1/customers/cus_x")).status).toBe(404);
  });

  it("reset_after makes the object and stores its answer before dropping the connection", async () => {
    const { customer, paymentMethod } = await customerWithCard();
    const before = fake.paymentIntents().length;
    fake.failNext(1, "reset_after");
    await expect(call("POST", "/v1/payment_intents", charge(customer, paymentMethod), "key-lost")).rejects.toThrow();
    expect(fake.paymentIntents().length).toBe(before + 1);
    const retried = await call("POST", "/v1/payment_intents", charge(customer, paymentMethod), "key-lost");
    expect(retried.json.status).toBe("succeeded");
    expect(fake.paymentIntents().length).toBe(before + 1);
  });
});

describe("fake Stripe: payments and refunds", () => {
  it("keeps a processing payment until settlePayments", async () => {
    const { customer, paymentMethod } = await customerWithCard("processing");
    const intent = (await call("POST", "/v1/payment_intents", charge(customer, paymentMethod))).json;
    expect(intent.status).toBe("processing");
    await fake.settlePayments();
    expect((await call("GET", `/v1/payment_intents/${intent.id}`)).json.status).toBe("succeeded");
    expect(receivedTypes()).toEqual(expect.arrayContaining(["payment_intent.processing", "payment_intent.succeeded"]));
  });

  it("refunds up to what is left, pending until settled in pending mode", async () => {
    const { customer, paymentMethod } = await customerWithCard();
    const intent = (await call("POST", "/v1/payment_intents", charge(customer, paymentMethod, 1000))).json;
    const first = (await call("POST", "/v1/refunds", `payment_intent=${intent.id}&amount=600`)).json;
    expect(first).toMatchObject({ object: "refund", amount: 600, status: "succeeded", payment_intent: intent.id });
    expect(first.id).toMatch(/^re_/);
    const tooMuch = await call("POST", "/v1/refunds", `payment_intent=${intent.id}&amount=500`);
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.json.error.code).toBe("amount_too_large");
    fake.refunds.mode = "pending";
    const rest = (await call("POST", "/v1/refunds", `payment_intent=${intent.id}`)).json;
    expect(rest).toMatchObject({ amount: 400, status: "pending" });
    const none = await call("POST", "/v1/refunds", `payment_intent=${intent.id}`);
    expect(none.json.error.code).toBe("charge_already_refunded");
    await fake.settleRefunds();
    expect(fake.refunds().map((refund) => refund.status)).toContain("succeeded");
    expect(fake.refunds().find((refund) => refund.id === rest.id)?.status).toBe("succeeded");
    expect(receivedTypes()).toEqual(expect.arrayContaining(["refund.created", "refund.updated"]));
  });
});

describe("fake Stripe: webhooks", () => {
  it("signs each delivery like Stripe: the SDK's constructEvent verifies it", async () => {
    const customer = (await call("POST", "/v1/customers", "name=Ada")).json;
    const session = (await call("POST", "/v1/checkout/sessions", `mode=setup&customer=${customer.id}`)).json;
    await fake.completeCheckout(session.id);
    const delivery = receiver.received.at(-1)!;
    expect(delivery.headers["stripe-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = Stripe.webhooks.constructEvent(
      delivery.body,
      delivery.headers["stripe-signature"] as string,
      webhookSecret,
    );
    expect(event).toMatchObject({ object: "event", type: "checkout.session.completed" });
    expect(event.data.object).toMatchObject({ id: session.id, status: "complete" });
    expect(fake.deliveries.at(-1)).toEqual({ eventId: event.id, type: event.type, status: 200 });
    const forged = fake.signPayload(delivery.body.toString(), { secret: "whsec_other" });
    expect(() => Stripe.webhooks.constructEvent(delivery.body, forged, webhookSecret)).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it("holds events and delivers them on flush, in reverse when asked", async () => {
    fake.webhooks.mode = "hold";
    const { customer, paymentMethod } = await customerWithCard();
    await call("POST", "/v1/payment_intents", charge(customer, paymentMethod));
    expect(receiver.received).toEqual([]);
    await fake.flushWebhooks({ order: "reversed" });
    expect(receivedTypes()).toEqual(["payment_intent.succeeded", "checkout.session.completed"]);
  });

  it("delivers each event twice when duplicating, and never the dropped ones", async () => {
    fake.webhooks.duplicate = true;
    fake.webhooks.drop = (event) => event.type === "payment_intent.succeeded";
    const { customer, paymentMethod } = await customerWithCard();
    await call("POST", "/v1/payment_intents", charge(customer, paymentMethod));
    await fake.flushWebhooks();
    const ids = receiver.received.map(({ body }) => JSON.parse(body.toString()).id);
    expect(receivedTypes()).toEqual(["checkout.session.completed", "checkout.session.completed"]);
    expect(ids[0]).toBe(ids[1]);
    expect(fake.events().at(-1)?.type).toBe("payment_intent.succeeded");
  });

  it("shuffles held events and still delivers every one", async () => {
    fake.webhooks.mode = "hold";
    const { customer, paymentMethod } = await customerWithCard();
    for (let i = 0; i < 5; i++) await call("POST", "/v1/payment_intents", charge(customer, paymentMethod, 100 + i));
    await fake.flushWebhooks({ order: "shuffled" });
    expect(receiver.received).toHaveLength(6);
  });
});
