import { LumenError } from "./errors";
import { type CallOutcome, callSidecar, isTransient, type RetryMode } from "./sidecar-calls";
import type { SidecarTransport, SidecarTransportRequest } from "./sidecar-transport";
import type {
  CheckParams,
  CheckResponse,
  CommittedReservation,
  ConsumeParams,
  ReleasedReservation,
  Reservation,
  ReserveParams,
  SidecarCallOptions,
  SidecarUnavailablePolicy,
  SidecarUsage,
  Subject,
  TrackEvent,
} from "./sidecar-types";
import { pathId } from "./transport";

export const DEFAULT_SIDECAR_URL = "http://127.0.0.1:7070";
/** A sidecar is on localhost or in-process: an attempt that takes seconds is a sidecar in trouble. */
export const DEFAULT_SIDECAR_TIMEOUT_MS = 5_000;
export const DEFAULT_SIDECAR_MAX_RETRIES = 2;

export interface SidecarClientConfig {
  transport: SidecarTransport;
  timeoutMs: number;
  maxRetries: number;
  onSidecarUnavailable: SidecarUnavailablePolicy;
  /** Told of each answer made by the fallback policy, with why the sidecar gave none. */
  onError: (error: LumenError, context: { operation: string }) => void;
  /** Queues the usage of a consume allowed by the fail-open policy (the track queue). */
  recordUsage: (event: TrackEvent) => void;
}

/**
 * The calls that go to the sidecar next to the application (PRODUCT §9, §14); `Lumen` exposes them. Checks and
 * consumes that get no answer (after the retries) are answered by the `onSidecarUnavailable` policy; the others
 * throw. Every call may be retried: a consume carries an idempotency key, reservations retry only when the
 * request surely never arrived (they have no key).
 */
export class SidecarClient {
  readonly #config: SidecarClientConfig;

  constructor(config: SidecarClientConfig) {
    this.#config = config;
  }

  async check(params: CheckParams, options: SidecarCallOptions = {}): Promise<CheckResponse> {
    return this.#decide("check", "/v1/check", params, checkBody(params), options);
  }

  async consume(params: ConsumeParams, options: SidecarCallOptions = {}): Promise<CheckResponse> {
    const idempotencyKey = params.idempotencyKey ?? crypto.randomUUID();
    const answer = await this.#decide(
      "consume",
      "/v1/consume",
      params,
      { ...checkBody(params), idempotencyKey },
      options,
    );
    // Failed open, the work goes ahead: its usage is tracked under the consume's own key, so it counts once
    // whether or not the consume had reached the owner. The customer must be known: a track names it.
    const { customer } = who(params);
    if (answer.fallback && answer.allowed && customer !== undefined) {
      this.#config.recordUsage(
        compact({
          customer,
          feature: params.feature,
          entity: answer.entity ?? undefined,
          value: params.quantity ?? 1,
          idempotencyKey,
        }),
      );
    }
    return answer;
  }

  async getUsage(params: Subject, options: SidecarCallOptions = {}): Promise<SidecarUsage> {
    const id = subjectId(params);
    return this.#call<SidecarUsage>({ method: "GET", path: `/v1/customers/${pathId(id)}/usage` }, options, "always");
  }

  async reserve(params: ReserveParams, options: SidecarCallOptions = {}): Promise<Reservation> {
    const body = compact({
      ...who(params),
      feature: params.feature,
      entity: params.entity,
      quantity: params.quantity,
      ttlSeconds: params.ttlSeconds,
    });
    return this.#call({ method: "POST", path: "/v1/reservations", body }, options, "unsent");
  }

  commitReservation(
    id: string,
    params: { quantity: number },
    options: SidecarCallOptions = {},
  ): Promise<CommittedReservation> {
    const path = `/v1/reservations/${pathId(id)}/commit`;
    return this.#call({ method: "POST", path, body: { quantity: params.quantity } }, options, "unsent");
  }

  releaseReservation(id: string, options: SidecarCallOptions = {}): Promise<ReleasedReservation> {
    const path = `/v1/reservations/${pathId(id)}/release`;
    return this.#call({ method: "POST", path, body: {} }, options, "unsent");
  }

  async #call<T>(request: SidecarTransportRequest, options: SidecarCallOptions, retry: RetryMode): Promise<T> {
    const outcome = await this.#send(request, options, retry);
    if (!outcome.ok) throw outcome.error;
    return outcome.body as T;
  }

  /** A check or consume: answered by the policy when the sidecar could not decide (no answer, 429, 5xx). */
  async #decide(
    operation: "check" | "consume",
    path: string,
    params: CheckParams,
    body: Record<string, unknown>,
    options: SidecarCallOptions,
  ): Promise<CheckResponse> {
    const outcome = await this.#send({ method: "POST", path, body }, options, "always");
    if (outcome.ok) return outcome.body as CheckResponse;
    if (!isTransient(outcome)) throw outcome.error;
    safely(() => this.#config.onError(outcome.error, { operation }));
    return fallbackCheck(params, options.onSidecarUnavailable ?? this.#config.onSidecarUnavailable);
  }

  #send(request: SidecarTransportRequest, options: SidecarCallOptions, retry: RetryMode): Promise<CallOutcome> {
    return callSidecar({
      transport: this.#config.transport,
      request,
      settings: {
        timeoutMs: options.timeoutMs ?? this.#config.timeoutMs,
        maxRetries: options.maxRetries ?? this.#config.maxRetries,
        signal: options.signal,
        retry,
      },
    });
  }
}

/** The check the SDK answers on its own: the policy's `allowed`, flagged, with no numbers it does not know. */
export function fallbackCheck(params: CheckParams, policy: SidecarUnavailablePolicy): CheckResponse {
  const { customer, user } = who(params);
  return {
    allowed: policy === "allow",
    customer: customer ?? user ?? "",
    feature: params.feature,
    entity: params.entity ?? (customer !== undefined && user !== undefined && user !== customer ? user : null),
    type: null,
    unlimited: false,
    included: null,
    used: null,
    balance: null,
    overageAllowed: false,
    usageLimit: null,
    periodStart: null,
    periodEnd: null,
    resetsAt: null,
    reason: "sidecar_unavailable",
    asOf: new Date().toISOString(),
    fallback: true,
  };
}

function checkBody(params: CheckParams): Record<string, unknown> {
  return compact({ ...who(params), feature: params.feature, entity: params.entity, quantity: params.quantity });
}

/** PRODUCT §14 names to the sidecar's: `customerId`/`customer` → `customer`, `userId` → `user`. */
function who(params: Subject): { customer?: string; user?: string } {
  if (params.customer !== undefined && params.customerId !== undefined && params.customer !== params.customerId) {
    throw new LumenError({
      code: "validation_error",
      status: 0,
      message: `customer "${params.customer}" and customerId "${params.customerId}" differ; give one`,
      details: [{ path: "customerId", message: "differs from customer" }],
    });
  }
  const customer = params.customerId ?? params.customer;
  return compact({ customer, user: params.userId });
}

/** The one id `getUsage` asks about: the customer when given, else `userId` (a customer or a seat). */
function subjectId(params: Subject): string {
  const { customer, user } = who(params);
  const id = customer ?? user;
  if (id === undefined) {
    throw new LumenError({
      code: "validation_error",
      status: 0,
      message: "Give userId or customerId",
      details: [{ path: "userId", message: "is required (or customerId)" }],
    });
  }
  return id;
}

/** Drops undefined fields: an in-process transport takes the object as is. */
function compact<T extends Record<string, unknown>>(value: T): T {
  for (const key of Object.keys(value)) if (value[key] === undefined) delete value[key];
  return value;
}

/** A hook of the application that throws must not break the SDK's own work. */
export function safely(hook: () => void): void {
  try {
    hook();
  } catch {
    // The application's hook failed; nothing useful to do with that here.
  }
}
