import { errorFromResponse, LumenConnectionError, LumenError } from "./errors";
import { isRetryableStatus, retryDelay } from "./retry";

/** The subset of `fetch` the SDK uses; inject your own (tests, proxies, instrumentation) through the options. */
export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** Per-call options, the last argument of every method. */
export interface RequestOptions {
  /**
   * POST only: the `Idempotency-Key` header. By default every POST gets a fresh random key, sent unchanged on
   * each of its retries, so a retried POST never runs twice; pass your own to make a POST safe across
   * processes too (a job that may run again after a crash).
   */
  idempotencyKey?: string;
  /** Overrides the client's `timeoutMs` for this call (each attempt). */
  timeoutMs?: number;
  /** Overrides the client's `maxRetries` for this call. */
  maxRetries?: number;
  /** Cancels the call, including its pending retries; the call rejects with the signal's reason. */
  signal?: AbortSignal;
}

export type QueryValue = string | number | boolean | Date | undefined;

export interface TransportConfig {
  baseUrl: string;
  secretKey: string | undefined;
  timeoutMs: number;
  maxRetries: number;
  fetch: FetchLike;
}

type Attempt<T> =
  | { ok: true; value: T }
  | { ok: false; error: LumenError; retryable: boolean; retryAfter: string | null };

/**
 * Sends JSON requests to one Lumen component, with the secret key, timeouts and retries: connection failures,
 * 429 and 5xx are retried up to `maxRetries` times with backoff. Every method may be retried safely: GETs read,
 * PUT/PATCH/DELETE state the end result, and POSTs carry one Idempotency-Key across their attempts (the server
 * answers a repeat with the stored response and never stores a 5xx or 429, PRODUCT §1).
 */
export class Transport {
  readonly #config: TransportConfig;

  constructor(config: TransportConfig) {
    this.#config = { ...config, baseUrl: config.baseUrl.replace(/\/+$/, "") };
  }

  get baseUrl(): string {
    return this.#config.baseUrl;
  }

  async request<T>({
    method,
    path,
    query,
    body,
    accept = "application/json",
    options = {},
  }: {
    method: HttpMethod;
    path: string;
    query?: Record<string, QueryValue>;
    body?: unknown;
    /** Another type than JSON (`application/pdf`) answers the body's bytes as a Uint8Array. */
    accept?: string;
    options?: RequestOptions | undefined;
  }): Promise<T> {
    const url = this.#config.baseUrl + path + queryString(query);
    const headers: Record<string, string> = { accept };
    if (this.#config.secretKey) headers.authorization = `Bearer ${this.#config.secretKey}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    if (method === "POST") headers["idempotency-key"] = options.idempotencyKey ?? crypto.randomUUID();
    const init = { method, headers, body: body === undefined ? undefined : JSON.stringify(body) };
    const maxRetries = options.maxRetries ?? this.#config.maxRetries;
    const timeoutMs = options.timeoutMs ?? this.#config.timeoutMs;

    for (let attempt = 0; ; attempt++) {
      const outcome = await this.#attempt<T>(url, init, timeoutMs, options.signal);
      if (outcome.ok) return outcome.value;
      if (!outcome.retryable || attempt >= maxRetries) throw outcome.error;
      const delay = retryDelay({ attempt, retryAfter: outcome.retryAfter });
      if (delay === null) throw outcome.error;
      await sleep(delay, options.signal);
    }
  }

  async #attempt<T>(
    url: string,
    init: { method: HttpMethod; headers: Record<string, string>; body: string | undefined },
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Attempt<T>> {
    signal?.throwIfAborted();
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), timeoutMs);
    const forwardAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", forwardAbort, { once: true });
    let response: Response;
    let text: string;
    try {
      response = await this.#config.fetch(url, { ...init, signal: controller.signal });
      if (response.ok && init.headers.accept !== "application/json") {
        return { ok: true, value: new Uint8Array(await response.arrayBuffer()) as T };
      }
      text = await response.text();
    } catch (cause) {
      // The caller's own cancellation is final and keeps its reason; anything else is the network's fault.
      signal?.throwIfAborted();
      const message = controller.signal.aborted
        ? `No answer from ${init.method} ${url} within ${timeoutMs} ms`
        : `Could not reach ${init.method} ${url}: ${cause instanceof Error ? cause.message : String(cause)}`;
      return { ok: false, error: new LumenConnectionError({ message, cause }), retryable: true, retryAfter: null };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", forwardAbort);
    }

    const parsed = parseJson(text);
    const requestId = response.headers.get("request-id");
    if (response.ok) {
      if (parsed.ok) return { ok: true, value: parsed.value as T };
      const error = new LumenError({
        code: "internal",
        status: response.status,
        message: `${init.method} ${url} answered ${response.status} with a body that is not JSON`,
        requestId,
      });
      return { ok: false, error, retryable: false, retryAfter: null };
    }
    return {
      ok: false,
      error: errorFromResponse({
        status: response.status,
        body: parsed.ok ? parsed.value : text,
        requestIdHeader: requestId,
      }),
      retryable: isRetryableStatus(response.status),
      retryAfter: response.headers.get("retry-after"),
    };
  }
}

function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    params.set(key, value instanceof Date ? value.toISOString() : String(value));
  }
  const encoded = params.toString();
  return encoded ? `?${encoded}` : "";
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  if (text === "") return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** `encodeURIComponent` for ids in paths: caller ids may hold `:` and `@` (PRODUCT §1). */
export function pathId(id: string | number): string {
  return encodeURIComponent(String(id));
}
