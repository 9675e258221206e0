import { Admin } from "./admin";
import type { LumenError } from "./errors";
import {
  DEFAULT_SIDECAR_MAX_RETRIES,
  DEFAULT_SIDECAR_TIMEOUT_MS,
  DEFAULT_SIDECAR_URL,
  SidecarClient,
  safely,
} from "./sidecar";
import { type EmbeddedSidecar, type EmbeddedSidecarOptions, loadEmbeddedSidecar } from "./sidecar-embedded";
import { createHttpSidecarTransport, type SidecarTransport } from "./sidecar-transport";
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
  TrackDrop,
  TrackEvent,
  TrackStats,
} from "./sidecar-types";
import { TrackBuffer, type TrackOptions } from "./track-buffer";
import { type FetchLike, Transport } from "./transport";

export const DEFAULT_API_URL = "http://127.0.0.1:8080";
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 2;

export interface LumenOptions {
  /** The billing API; default `http://127.0.0.1:8080`. */
  apiUrl?: string;
  /**
   * A secret key, `lum_sk_test_…` or `lum_sk_live_…`; it decides the environment. Default: `LUMEN_API_KEY`
   * when that holds a single key (a comma-separated list is the server's setting, not a client's).
   */
  secretKey?: string;
  /** The sidecar next to this application; default `http://127.0.0.1:7070`. */
  sidecarUrl?: string;
  /**
   * Another way to reach the sidecar than HTTP to `sidecarUrl`: any object with `request({ method, path, body,
   * contentType })`, such as the embedded sidecar of `@lumen/sidecar` (see `Lumen.embedded`).
   */
  sidecar?: SidecarTransport;
  /** Time allowed for each attempt of a call; default 60 000 ms (a test clock advance may run long). */
  timeoutMs?: number;
  /** Retries after a connection failure, a 429 or a 5xx; default 2. */
  maxRetries?: number;
  /** Time allowed for each attempt of a sidecar call; default 5 000 ms. */
  sidecarTimeoutMs?: number;
  /** Retries of a sidecar call (25 ms, then 50 ms, … apart); default 2. */
  sidecarMaxRetries?: number;
  /**
   * What `check`, `isFeatureEntitled` and `consume` answer when the sidecar cannot be reached or cannot decide
   * (no answer, 429 or 5xx after the retries): `deny` (fail closed, default) or `allow` (fail open). Such an
   * answer has `fallback: true` and `reason: "sidecar_unavailable"`. A consume allowed this way is tracked
   * under its own idempotency key (when it names the customer), so its usage counts once the sidecar is back.
   */
  onSidecarUnavailable?: SidecarUnavailablePolicy;
  /** Queue, batch and retry settings of `track`. */
  track?: TrackOptions;
  /** Told of each error the SDK answered for instead of throwing: a check or consume decided by the policy. */
  onError?: (error: LumenError, context: { operation: string }) => void;
  /** Told of tracked events that will never reach the sidecar (queue full, refused, retries spent, closed). */
  onDrop?: (drop: TrackDrop) => void;
  /** Default: the global `fetch` of Node 20 or the browser. */
  fetch?: FetchLike;
}

/**
 * The Lumen client: entitlement checks and usage tracking through the sidecar next to the application, and
 * management calls to the billing API under `lumen.admin`.
 *
 * @example const lumen = new Lumen({ secretKey: process.env.LUMEN_SECRET_KEY });
 */
export class Lumen {
  /** One typed method for every billing API endpoint. */
  readonly admin: Admin;
  readonly apiUrl: string;
  readonly sidecarUrl: string;
  readonly #sidecar: SidecarClient;
  readonly #tracks: TrackBuffer;
  #embedded: EmbeddedSidecar | null = null;

  constructor(options: LumenOptions = {}) {
    const fetchImpl = options.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    const sidecarTimeoutMs = options.sidecarTimeoutMs ?? DEFAULT_SIDECAR_TIMEOUT_MS;
    const sidecarMaxRetries = options.sidecarMaxRetries ?? DEFAULT_SIDECAR_MAX_RETRIES;
    checkTimeout("timeoutMs", timeoutMs);
    checkRetries("maxRetries", maxRetries);
    checkTimeout("sidecarTimeoutMs", sidecarTimeoutMs);
    checkRetries("sidecarMaxRetries", sidecarMaxRetries);
    const policy = options.onSidecarUnavailable ?? "deny";
    if (policy !== "deny" && policy !== "allow") {
      throw new RangeError(`onSidecarUnavailable must be "deny" or "allow", got ${String(policy)}`);
    }
    this.apiUrl = options.apiUrl ?? DEFAULT_API_URL;
    this.sidecarUrl = options.sidecarUrl ?? DEFAULT_SIDECAR_URL;
    const secretKey = options.secretKey ?? secretKeyFromEnvironment();
    this.admin = new Admin(new Transport({ baseUrl: this.apiUrl, secretKey, timeoutMs, maxRetries, fetch: fetchImpl }));
    const transport =
      options.sidecar ?? createHttpSidecarTransport({ baseUrl: this.sidecarUrl, secretKey, fetch: fetchImpl });
    const onError = options.onError ?? (() => {});
    const onDrop = options.onDrop ?? (() => {});
    this.#sidecar = new SidecarClient({
      transport,
      timeoutMs: sidecarTimeoutMs,
      maxRetries: sidecarMaxRetries,
      onSidecarUnavailable: policy,
      onError,
      recordUsage: (event) => this.#tracks.enqueue(event),
    });
    this.#tracks = new TrackBuffer({
      transport,
      options: options.track,
      timeoutMs: sidecarTimeoutMs,
      onDrop: (drop) => safely(() => onDrop(drop)),
    });
  }

  /**
   * A client whose sidecar runs inside this process (the cache of `@lumen/sidecar`, which must be installed; it
   * is loaded only here). `close()` stops it too.
   * @example const lumen = await Lumen.embedded({ secretKey, embedded: { natsUrl: "nats://127.0.0.1:4222", env: "live" } });
   */
  static async embedded(
    options: Omit<LumenOptions, "sidecar"> & { embedded?: EmbeddedSidecarOptions } = {},
  ): Promise<Lumen> {
    const { embedded: embeddedOptions, ...lumenOptions } = options;
    const sidecar = await loadEmbeddedSidecar(embeddedOptions);
    try {
      const lumen = new Lumen({ ...lumenOptions, sidecar });
      lumen.#embedded = sidecar;
      return lumen;
    } catch (error) {
      await sidecar.close?.();
      throw error;
    }
  }

  /**
   * Whether the user (a customer, or a seat whose customer Lumen resolves) may use the feature now.
   * @example if (await lumen.isFeatureEntitled({ feature: "advanced-analytics", userId: user.id })) showAnalytics();
   */
  async isFeatureEntitled(params: CheckParams, options?: SidecarCallOptions): Promise<boolean> {
    return (await this.#sidecar.check(params, options)).allowed;
  }

  /**
   * The full answer of a check: `allowed`, the balance, the period and why not. Records nothing.
   * @example const { allowed, balance, reason } = await lumen.check({ customerId: "acme", feature: "api-calls", quantity: 10 });
   */
  check(params: CheckParams, options?: SidecarCallOptions): Promise<CheckResponse> {
    return this.#sidecar.check(params, options);
  }

  /**
   * Checks and records `quantity` atomically (strict: a hard limit is never exceeded under any concurrency).
   * @example const { allowed } = await lumen.consume({ customer: "acme", feature: "api-calls" });
   */
  consume(params: ConsumeParams, options?: SidecarCallOptions): Promise<CheckResponse> {
    return this.#sidecar.consume(params, options);
  }

  /**
   * Each feature's allowance and usage in the current period, from the sidecar's cache.
   * @example const { features } = await lumen.getUsage({ userId: user.id });
   */
  getUsage(params: Subject, options?: SidecarCallOptions): Promise<SidecarUsage> {
    return this.#sidecar.getUsage(params, options);
  }

  /**
   * Records usage, fire-and-forget: returns at once and never throws; the event is queued with an idempotency
   * key and sent in a batch (see `flush`, `close` and the `onDrop` option).
   * @example lumen.track({ customer: "acme", feature: "premium-messages", entity: user.id, value: 1 });
   */
  track(event: TrackEvent): void {
    this.#tracks.enqueue(event);
  }

  /**
   * Holds `quantity` against the balance until committed, released or expired (work whose size is known at
   * the end). Retried only when the request surely never arrived: a reservation has no idempotency key.
   * @example const reservation = await lumen.reserve({ customer: "acme", feature: "tokens", quantity: 4000, ttlSeconds: 120 });
   */
  reserve(params: ReserveParams, options?: SidecarCallOptions): Promise<Reservation> {
    return this.#sidecar.reserve(params, options);
  }

  /**
   * Records the actual usage of a reservation (0 records nothing) and frees the rest.
   * @example const { check } = await lumen.commitReservation(reservation.id, { quantity: 3712 });
   */
  commitReservation(
    id: string,
    params: { quantity: number },
    options?: SidecarCallOptions,
  ): Promise<CommittedReservation> {
    return this.#sidecar.commitReservation(id, params, options);
  }

  /**
   * Frees a reservation without recording usage.
   * @example await lumen.releaseReservation(reservation.id);
   */
  releaseReservation(id: string, options?: SidecarCallOptions): Promise<ReleasedReservation> {
    return this.#sidecar.releaseReservation(id, options);
  }

  /**
   * Resolves once every event tracked before the call is accepted by the sidecar or given up (see `onDrop`).
   * @example await lumen.flush(); // before a job reports it is done
   */
  flush(): Promise<void> {
    return this.#tracks.flush();
  }

  /**
   * Flushes tracked events, then stops the timers (and an embedded sidecar); later `track` calls are dropped.
   * @example process.on("SIGTERM", async () => { await lumen.close(); process.exit(0); });
   */
  async close(): Promise<void> {
    await this.#tracks.close();
    const embedded = this.#embedded;
    this.#embedded = null;
    await embedded?.close?.();
  }

  /**
   * Counts of the track queue: waiting, being sent, accepted, dropped.
   * @example const { queued, dropped } = lumen.trackStats();
   */
  trackStats(): TrackStats {
    return this.#tracks.stats();
  }
}

function checkTimeout(name: string, value: number): void {
  if (!(value > 0)) throw new RangeError(`${name} must be positive, got ${value}`);
}

function checkRetries(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number ≥ 0, got ${value}`);
}

/** `LUMEN_API_KEY` when it is one key; the server also accepts a list there, which names no single client key. */
function secretKeyFromEnvironment(): string | undefined {
  const value = typeof process === "undefined" ? undefined : process.env.LUMEN_API_KEY?.trim();
  return value && !value.includes(",") ? value : undefined;
}
