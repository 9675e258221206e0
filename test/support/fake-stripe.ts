import { createHmac, randomBytes } from "node:crypto";
import { createServer, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Stripe's API on loopback, as much of it as Lumen's `stripe` provider uses, in Stripe's wire format: form-encoded
 * requests in bracket notation, Stripe-shaped JSON objects and errors, `Idempotency-Key` replay. The official SDK
 * reaches it through its `host`, `port` and `protocol` options. Controls play what happens outside the API: the
 * customer on the hosted checkout page, the card's issuer, the network, and webhook delivery (signed like Stripe's).
 */

/** What a saved card does when charged: `declines` is a generic decline, `processing` waits for `settlePayments`. */
export type CardBehaviour = "succeeds" | "declines" | "insufficient_funds" | "processing";
/**
 * How a request fails: `reset` drops the connection before doing anything, `timeout` never answers, `500` answers
 * Stripe's `api_error`, `reset_after` does the work (and stores the idempotent response) and then drops the
 * connection: a charge made whose answer never arrived.
 */
export type NetworkFailure = "reset" | "timeout" | "500" | "reset_after";
export type FakeStripe = Awaited<ReturnType<typeof startFakeStripe>>;

interface Base {
  id: string;
  created: number;
  livemode: false;
  metadata: Record<string, string>;
}
export interface FakeCustomer extends Base {
  object: "customer";
  name: string | null;
  email: string | null;
}
export interface FakeCheckoutSession extends Base {
  object: "checkout.session";
  mode: "setup";
  status: "open" | "complete" | "expired";
  url: string | null;
  customer: string;
  currency: string | null;
  setup_intent: string;
  success_url: string | null;
  cancel_url: string | null;
  allowed_payment_method_types: string[];
  payment_status: "no_payment_required";
  expires_at: number;
}
export interface FakeSetupIntent extends Base {
  object: "setup_intent";
  status: "requires_payment_method" | "succeeded" | "canceled";
  customer: string;
  payment_method: string | null;
  usage: "off_session";
}
export interface FakePaymentMethod extends Base {
  object: "payment_method";
  type: "card";
  customer: string;
  card: { brand: "visa"; last4: string; exp_month: number; exp_year: number };
}
export interface FakePaymentIntent extends Base {
  object: "payment_intent";
  amount: number;
  amount_received: number;
  currency: string;
  customer: string;
  payment_method: string;
  description: string | null;
  status: "succeeded" | "processing" | "requires_payment_method";
  last_payment_error: CardError | null;
  latest_charge: string;
  capture_method: "automatic";
  confirmation_method: "automatic";
}
export interface FakeRefund extends Base {
  object: "refund";
  amount: number;
  currency: string;
  payment_intent: string;
  charge: string;
  status: "succeeded" | "pending" | "failed";
  reason: null;
}
type FakeObject =
  | FakeCustomer
  | FakeCheckoutSession
  | FakeSetupIntent
  | FakePaymentMethod
  | FakePaymentIntent
  | FakeRefund;
type ObjectOf<K extends FakeObject["object"]> = Extract<FakeObject, { object: K }>;

interface CardError {
  type: "card_error";
  code: string;
  decline_code: string;
  message: string;
  charge: string;
  payment_method: FakePaymentMethod;
}
interface ErrorBody {
  type: "card_error" | "invalid_request_error" | "api_error" | "idempotency_error";
  message: string;
  code?: string;
  param?: string;
}

export interface FakeStripeEvent {
  id: string;
  object: "event";
  api_version: string;
  created: number;
  livemode: false;
  pending_webhooks: 1;
  request: { id: null; idempotency_key: null };
  type: string;
  data: { object: FakeObject };
}

/** A request as sent: Stripe's encoding, nested to any depth. */
type Form = { [key: string]: FormValue };
type FormValue = string | FormValue[] | Form;
/** An answer, serialized once so that a replay is byte for byte the same. */
type Reply = { status: number; json: string };

const API_VERSION = "2026-10-28.endive";
const declines = {
  declines: { code: "card_declined", decline_code: "generic_decline", message: "Your card was declined." },
  insufficient_funds: {
    code: "card_declined",
    decline_code: "insufficient_funds",
    message: "Your card has insufficient funds.",
  },
};
/** Stripe's test cards for each behaviour, so a payment method says what it is in a log. */
const last4: Record<CardBehaviour, string> = {
  succeeds: "4242",
  declines: "0002",
  insufficient_funds: "9995",
  processing: "3220",
};

export async function startFakeStripe({ webhookSecret, webhookUrl }: { webhookSecret: string; webhookUrl?: string }) {
  const secretKey = `sk_test_fake${newId("")}`;
  const objects = new Map<string, FakeObject>();
  const cardBehaviours = new Map<string, CardBehaviour>();
  const idempotent = new Map<string, { fingerprint: string; reply: Reply }>();
  const requests: { method: string; path: string; idempotencyKey: string | null }[] = [];
  const failures: NetworkFailure[] = [];
  const events: FakeStripeEvent[] = [];
  const held: FakeStripeEvent[] = [];
  const deliveries: { eventId: string; type: string; status: number | null }[] = [];
  const webhooks = {
    mode: "immediate" as "immediate" | "hold",
    /** Each event delivered twice. */
    duplicate: false,
    /** Events for which this says true are never delivered: missed webhooks. */
    drop: null as ((event: FakeStripeEvent) => boolean) | null,
  };
  const refunds = Object.assign(() => all("refund"), { mode: "succeeded" as "succeeded" | "pending" });
  let endpoint = webhookUrl ?? null;
  let delivering = Promise.resolve();

  function save(...created: FakeObject[]) {
    for (const object of created) objects.set(object.id, object);
  }
  function find<K extends FakeObject["object"]>(object: K, id: string | undefined): ObjectOf<K> | undefined {
    const found = id === undefined ? undefined : objects.get(id);
    return found?.object === object ? (found as ObjectOf<K>) : undefined;
  }
  function all<K extends FakeObject["object"]>(object: K): ObjectOf<K>[] {
    return [...objects.values()]
      .filter((found) => found.object === object)
      .map((found) => structuredClone(found)) as ObjectOf<K>[];
  }

  // --- The API ---------------------------------------------------------------------------------------------------

  function createCustomer(form: Form): Reply {
    const customer: FakeCustomer = {
      ...base("cus_", form.metadata),
      object: "customer",
      name: text(form.name) ?? null,
      email: text(form.email) ?? null,
    };
    save(customer);
    return reply(200, customer);
  }

  function createCheckoutSession(form: Form): Reply {
    if (form.mode !== "setup") return invalid("The fake only supports mode=setup.", "mode");
    const customer = find("customer", text(form.customer));
    if (!customer) return missing("customer", text(form.customer), "customer");
    const setupData = isForm(form.setup_intent_data) ? form.setup_intent_data : {};
    const setupIntent: FakeSetupIntent = {
      ...base("seti_", setupData.metadata),
      object: "setup_intent",
      status: "requires_payment_method",
      customer: customer.id,
      payment_method: null,
      usage: "off_session",
    };
    const session: FakeCheckoutSession = {
      ...base("cs_test_", form.metadata),
      object: "checkout.session",
      mode: "setup",
      status: "open",
      url: null,
      customer: customer.id,
      currency: text(form.currency)?.toLowerCase() ?? null,
      setup_intent: setupIntent.id,
      success_url: text(form.success_url) ?? null,
      cancel_url: text(form.cancel_url) ?? null,
      allowed_payment_method_types: list(form.allowed_payment_method_types ?? form.payment_method_types),
      payment_status: "no_payment_required",
      expires_at: now() + 24 * 3600,
    };
    session.url = `https://checkout.stripe.com/c/pay/${session.id}`;
    save(setupIntent, session);
    return reply(200, session);
  }

  function createPaymentIntent(form: Form): Reply {
    const customer = find("customer", text(form.customer));
    if (!customer) return missing("customer", text(form.customer), "customer");
    const method = find("payment_method", text(form.payment_method));
    if (!method) return missing("payment_method", text(form.payment_method), "payment_method");
    if (method.customer !== customer.id) return invalid("The PaymentMethod does not belong to the Customer.");
    if (form.confirm !== "true" || form.off_session !== "true") {
      return invalid("The fake only charges with confirm=true and off_session=true.", "confirm");
    }
    const amount = Number(text(form.amount));
    if (!Number.isInteger(amount) || amount <= 0) return invalid("Invalid positive integer", "amount");
    const intent: FakePaymentIntent = {
      ...base("pi_", form.metadata),
      object: "payment_intent",
      amount,
      amount_received: 0,
      currency: text(form.currency)?.toLowerCase() ?? "",
      customer: customer.id,
      payment_method: method.id,
      description: text(form.description) ?? null,
      status: "processing",
      last_payment_error: null,
      latest_charge: newId("ch_"),
      capture_method: "automatic",
      confirmation_method: "automatic",
    };
    save(intent);
    const behaviour = cardBehaviours.get(method.id) ?? "succeeds";
    if (behaviour === "declines" || behaviour === "insufficient_funds") {
      return decline(intent, {
        type: "card_error",
        ...declines[behaviour],
        charge: intent.latest_charge,
        payment_method: method,
      });
    }
    if (behaviour === "succeeds") succeed(intent);
    else emit("payment_intent.processing", intent);
    return reply(200, intent);
  }

  /** Stripe answers a decline with a 402 whose error carries the PaymentIntent, left to take another method. */
  function decline(intent: FakePaymentIntent, error: CardError): Reply {
    intent.status = "requires_payment_method";
    intent.last_payment_error = error;
    emit("payment_intent.payment_failed", intent);
    return reply(402, { error: { ...error, payment_intent: intent } });
  }

  function succeed(intent: FakePaymentIntent) {
    intent.status = "succeeded";
    intent.amount_received = intent.amount;
    emit("payment_intent.succeeded", intent);
  }

  function createRefund(form: Form): Reply {
    const intent = find("payment_intent", text(form.payment_intent));
    if (!intent) return missing("payment_intent", text(form.payment_intent), "payment_intent");
    if (intent.status !== "succeeded") {
      const message = `This PaymentIntent (${intent.id}) does not have a successful charge to refund.`;
      return invalid(message, "payment_intent", "payment_intent_unexpected_state");
    }
    const refunded = all("refund")
      .filter((refund) => refund.payment_intent === intent.id && refund.status !== "failed")
      .reduce((sum, refund) => sum + refund.amount, 0);
    const remaining = intent.amount - refunded;
    const amount = form.amount === undefined ? remaining : Number(text(form.amount));
    if (remaining === 0) {
      return invalid(`Charge ${intent.latest_charge} has already been refunded.`, undefined, "charge_already_refunded");
    }
    if (!Number.isInteger(amount) || amount <= 0) return invalid("Invalid positive integer", "amount");
    if (amount > remaining) {
      const message = `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`;
      return invalid(message, "amount", "amount_too_large");
    }
    const refund: FakeRefund = {
      ...base("re_", form.metadata),
      object: "refund",
      amount,
      currency: intent.currency,
      payment_intent: intent.id,
      charge: intent.latest_charge,
      status: refunds.mode,
      reason: null,
    };
    save(refund);
    emit("refund.created", refund);
    return reply(200, refund);
  }

  const collections: Record<string, FakeObject["object"]> = {
    customers: "customer",
    "checkout/sessions": "checkout.session",
    setup_intents: "setup_intent",
    payment_intents: "payment_intent",
  };

  function retrieve(collection: string, id: string, form: Form): Reply {
    const object = collections[collection];
    const found = object && objects.get(id);
    if (!object || !found || found.object !== object) return missing(object ?? collection, id, "id");
    const expand = list(form.expand);
    const unexpandable = expand.find((field) => found.object !== "checkout.session" || field !== "setup_intent");
    if (unexpandable) return invalid(`This property cannot be expanded (${unexpandable}).`, "expand");
    if (found.object === "checkout.session" && expand.length > 0) {
      return reply(200, { ...found, setup_intent: objects.get(found.setup_intent) });
    }
    return reply(200, found);
  }

  function route(method: string, path: string, form: Form): Reply {
    if (method === "POST" && path === "/v1/customers") return createCustomer(form);
    if (method === "POST" && path === "/v1/checkout/sessions") return createCheckoutSession(form);
    if (method === "POST" && path === "/v1/payment_intents") return createPaymentIntent(form);
    if (method === "POST" && path === "/v1/refunds") return createRefund(form);
    const match = /^\/v1\/(customers|checkout\/sessions|setup_intents|payment_intents)\/([^/]+)$/.exec(path);
    if (method === "GET" && match) return retrieve(match[1]!, decodeURIComponent(match[2]!), form);
    return reply(404, {
      error: { type: "invalid_request_error", message: `Unrecognized request URL (${method}: ${path}).` },
    });
  }

  /** Checks the key, then replays or records an idempotent POST (Stripe keeps results that ran: 2xx and 402). */
  function answer(request: IncomingMessage, path: string, query: string, body: string): Reply & { replayed?: true } {
    const method = request.method ?? "GET";
    if (request.headers.authorization !== `Bearer ${secretKey}`) {
      return reply(401, { error: { type: "invalid_request_error", message: "Invalid API Key provided." } });
    }
    const form = parseForm(method === "GET" ? query : body);
    const key = single(request.headers["idempotency-key"]);
    if (method !== "POST" || key === null) return route(method, path, form);
    const fingerprint = `${path} ${canonical(form)}`;
    const stored = idempotent.get(key);
    if (stored && stored.fingerprint !== fingerprint) {
      const message = `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`;
      return reply(400, { error: { type: "idempotency_error", message } });
    }
    if (stored) return { ...stored.reply, replayed: true };
    const result = route(method, path, form);
    if (result.status < 300 || result.status === 402) idempotent.set(key, { fingerprint, reply: result });
    return result;
  }

  const server = createServer(async (request, response) => {
    const body = await readBody(request);
    const url = new URL(request.url ?? "/", "http://fake-stripe");
    const key = single(request.headers["idempotency-key"]);
    requests.push({ method: request.method ?? "GET", path: url.pathname, idempotencyKey: key });
    const failure = failures.shift();
    if (failure === "timeout") return;
    if (failure === "reset") {
      request.socket.destroy();
      return;
    }
    let result: Reply & { replayed?: true };
    try {
      result =
        failure === "500"
          ? reply(500, { error: { type: "api_error", message: "An unknown error occurred (fake Stripe)." } })
          : answer(request, url.pathname, url.search.slice(1), body);
    } catch (error) {
      result = reply(500, { error: { type: "api_error", message: `fake Stripe failed: ${String(error)}` } });
    }
    if (failure === "reset_after") {
      request.socket.destroy();
      return;
    }
    response.writeHead(result.status, {
      "content-type": "application/json",
      "request-id": newId("req_"),
      ...(key === null ? {} : { "idempotency-key": key }),
      ...(result.replayed ? { "idempotent-replayed": "true" } : {}),
    });
    response.end(result.json);
  });

  // --- Webhooks --------------------------------------------------------------------------------------------------

  function emit(type: string, object: FakeObject) {
    const event: FakeStripeEvent = {
      id: newId("evt_"),
      object: "event",
      api_version: API_VERSION,
      created: now(),
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
      data: { object: structuredClone(object) },
    };
    events.push(event);
    if (webhooks.drop?.(event)) return;
    if (webhooks.mode === "hold" || endpoint === null) held.push(event);
    else delivering = delivering.then(() => deliver(event));
  }

  async function deliver(event: FakeStripeEvent) {
    for (let copy = 0; copy < (webhooks.duplicate ? 2 : 1); copy++) {
      // Stripe sends its events pretty-printed; the signature covers these exact bytes.
      const body = JSON.stringify(event, null, 2);
      let status: number | null = null;
      try {
        const response = await fetch(endpoint ?? "", {
          method: "POST",
          headers: {
            "content-type": "application/json; charset=utf-8",
            "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
            "stripe-signature": signPayload(body),
          },
          body,
          signal: AbortSignal.timeout(10_000),
        });
        await response.arrayBuffer();
        status = response.status;
      } catch {
        // Unreachable or too slow: Stripe would retry later; here the delivery log says null.
      }
      deliveries.push({ eventId: event.id, type: event.type, status });
    }
  }

  /** Stripe's `Stripe-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. */
  function signPayload(body: string, { timestamp = now(), secret = webhookSecret } = {}): string {
    const signature = createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex");
    return `t=${timestamp},v1=${signature}`;
  }

  /** Delivers the held events (after any delivery under way), awaiting each answer. */
  async function flushWebhooks({ order = "sent" }: { order?: "sent" | "reversed" | "shuffled" } = {}) {
    await delivering;
    if (held.length === 0) return;
    if (endpoint === null) throw new Error("fake Stripe: no webhook URL to deliver to (setWebhookUrl)");
    const batch = held.splice(0);
    if (order === "reversed") batch.reverse();
    if (order === "shuffled") shuffle(batch);
    for (const event of batch) await deliver(event);
  }

  // --- Controls --------------------------------------------------------------------------------------------------

  function openSession(sessionId: string): FakeCheckoutSession {
    const session = find("checkout.session", sessionId);
    if (session?.status !== "open") throw new Error(`fake Stripe: no open checkout session ${sessionId}`);
    return session;
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    secretKey,
    /** Every request received, failed ones included. */
    requests: requests as readonly { method: string; path: string; idempotencyKey: string | null }[],
    webhooks,
    deliveries: deliveries as readonly { eventId: string; type: string; status: number | null }[],
    /** Until there is one, events wait as if held; `flushWebhooks` delivers them. */
    setWebhookUrl(url: string) {
      endpoint = url;
    },
    /** The next `count` requests fail this way, whatever they are. */
    failNext(count: number, failure: NetworkFailure) {
      for (let i = 0; i < count; i++) failures.push(failure);
    },

    /** The customer saves a card on the hosted page; resolves once its webhook is delivered (or held). */
    async completeCheckout(sessionId: string, { card = "succeeds" }: { card?: CardBehaviour } = {}) {
      const session = openSession(sessionId);
      const setupIntent = find("setup_intent", session.setup_intent)!;
      const paymentMethod: FakePaymentMethod = {
        ...base("pm_", undefined),
        object: "payment_method",
        type: "card",
        customer: session.customer,
        card: { brand: "visa", last4: last4[card], exp_month: 12, exp_year: new Date().getFullYear() + 3 },
      };
      save(paymentMethod);
      cardBehaviours.set(paymentMethod.id, card);
      Object.assign(setupIntent, { status: "succeeded", payment_method: paymentMethod.id });
      Object.assign(session, { status: "complete", url: null });
      emit("checkout.session.completed", session);
      await delivering;
      return { paymentMethod: paymentMethod.id };
    },
    async expireCheckout(sessionId: string) {
      const session = openSession(sessionId);
      Object.assign(session, { status: "expired", url: null });
      Object.assign(find("setup_intent", session.setup_intent)!, { status: "canceled" });
      emit("checkout.session.expired", session);
      await delivering;
    },
    /** A card that starts declining, or gets fixed. */
    setCardBehaviour(paymentMethodId: string, behaviour: CardBehaviour) {
      if (!find("payment_method", paymentMethodId))
        throw new Error(`fake Stripe: no payment method ${paymentMethodId}`);
      cardBehaviours.set(paymentMethodId, behaviour);
    },
    /** Every `processing` PaymentIntent succeeds. */
    async settlePayments() {
      for (const intent of objects.values())
        if (intent.object === "payment_intent" && intent.status === "processing") succeed(intent);
      await delivering;
    },
    refunds,
    /** Every `pending` refund ends (`refunds.mode = "pending"` makes them so). */
    async settleRefunds({ outcome = "succeeded" }: { outcome?: "succeeded" | "failed" } = {}) {
      for (const refund of objects.values()) {
        if (refund.object !== "refund" || refund.status !== "pending") continue;
        refund.status = outcome;
        emit("refund.updated", refund);
        if (outcome === "failed") emit("refund.failed", refund);
      }
      await delivering;
    },

    flushWebhooks,
    signPayload,
    /** Every event emitted, delivered or not. */
    events: () => structuredClone(events),
    customers: () => all("customer"),
    checkoutSessions: () => all("checkout.session"),
    paymentIntents: () => all("payment_intent"),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A webhook endpoint on loopback that keeps what it receives: the raw body (as signed) and the headers. */
export async function startWebhookReceiver() {
  const received: { body: Buffer; headers: IncomingHttpHeaders }[] = [];
  const server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    received.push({ body: Buffer.concat(chunks), headers: request.headers });
    response.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `metadata[a]=b`, `expand[0]=x` or `expand[]=x`, `setup_intent_data[metadata][a]=b`; indexed keys become arrays. */
function parseForm(encoded: string): Form {
  const root: Form = {};
  for (const [key, value] of new URLSearchParams(encoded)) {
    const path = key.replace(/\]$/, "").split(/\]?\[/);
    let node = root;
    path.forEach((segment, index) => {
      const name = segment === "" ? String(Object.keys(node).length) : segment;
      if (index === path.length - 1) {
        node[name] = value;
        return;
      }
      const next = node[name];
      if (!isForm(next)) node[name] = {};
      node = node[name] as Form;
    });
  }
  return arraysIn(root) as Form;
}

function arraysIn(value: FormValue): FormValue {
  if (!isForm(value)) return value;
  const entries = Object.entries(value).map(([key, inner]) => [key, arraysIn(inner)] as const);
  if (entries.length === 0 || !entries.every(([key]) => /^\d+$/.test(key))) return Object.fromEntries(entries);
  return entries.sort(([a], [b]) => Number(a) - Number(b)).map(([, inner]) => inner);
}

function isForm(value: FormValue | undefined): value is Form {
  return typeof value === "object" && !Array.isArray(value);
}

/** The same parameters in any order compare equal. */
function canonical(value: FormValue): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonical(value[key]!)}`).join(",")}}`;
}

function text(value: FormValue | undefined): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function list(value: FormValue | undefined): string[] {
  return Array.isArray(value) ? value.filter((item) => typeof item === "string") : [];
}

/** Metadata as Stripe keeps it: an empty value unsets the key. */
function record(value: FormValue | undefined): Record<string, string> {
  if (!isForm(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => entry[1] !== ""));
}

function base(prefix: string, metadata: FormValue | undefined): Base {
  return { id: newId(prefix), created: now(), livemode: false, metadata: record(metadata) };
}

function reply(status: number, body: unknown): Reply {
  // Stripe answers pretty-printed JSON.
  return { status, json: JSON.stringify(body, null, 2) };
}

function invalid(message: string, param?: string, code?: string): Reply {
  const error: ErrorBody = {
    type: "invalid_request_error",
    message,
    ...(param ? { param } : {}),
    ...(code ? { code } : {}),
  };
  return reply(400, { error });
}

function missing(object: string, id: string | undefined, param: string): Reply {
  const error: ErrorBody = {
    type: "invalid_request_error",
    code: "resource_missing",
    param,
    message: `No such ${object}: '${id ?? ""}'`,
  };
  // A missing parameter object is a 400; a missing object in the URL is a 404.
  return reply(param === "id" ? 404 : 400, { error });
}

function single(header: string | string[] | undefined): string | null {
  return typeof header === "string" ? header : null;
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function newId(prefix: string): string {
  const alphanumeric = randomBytes(24)
    .toString("base64")
    .replace(/[^A-Za-z0-9]/g, "");
  return `${prefix}${alphanumeric.slice(0, 24)}`;
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

function shuffle<T>(items: T[]) {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}
