import { errorFromResponse, LumenConnectionError, type LumenError } from "./errors";
import { isRetryableStatus } from "./retry";
import type { SidecarTransport, SidecarTransportRequest } from "./sidecar-transport";

/**
 * Which failures a call may be sent again after: `always` for calls that are safe to repeat (checks, reads, and
 * writes that carry an idempotency key); `unsent` for those that are not (a reservation has no key), only when
 * the request surely never arrived: the connection was refused, or the sidecar answered 429 before reading it.
 */
export type RetryMode = "always" | "unsent";

export type CallOutcome =
  | { ok: true; status: number; body: unknown }
  /** `answered` false: no answer at all (refused, reset, timed out), `error` a LumenConnectionError. */
  | { ok: false; answered: boolean; error: LumenError };

export interface CallSettings {
  timeoutMs: number;
  maxRetries: number;
  signal?: AbortSignal | undefined;
  retry: RetryMode;
}

/** Local calls fail fast: a sidecar that does not answer within a few tries gets the fallback policy. */
const INITIAL_DELAY_MS = 25;
const MAX_DELAY_MS = 1_000;

/**
 * Sends a request through the transport with a timeout per attempt and retries with backoff: connection
 * failures, timeouts, 429 and 5xx are retried up to `maxRetries` times (per `retry`), anything else is final.
 * Never rejects but for the caller's own abort: the outcome says what happened.
 */
export async function callSidecar({
  transport,
  request,
  settings,
  delayOf = (attempt) => backoff(attempt, INITIAL_DELAY_MS, MAX_DELAY_MS),
}: {
  transport: SidecarTransport;
  request: SidecarTransportRequest;
  settings: CallSettings;
  delayOf?: (attempt: number) => number;
}): Promise<CallOutcome> {
  for (let attempt = 0; ; attempt++) {
    const outcome = await attemptOnce({ transport, request, timeoutMs: settings.timeoutMs, signal: settings.signal });
    if (outcome.ok || attempt >= settings.maxRetries || !retryable(outcome, settings.retry)) return outcome;
    await sleep(delayOf(attempt), settings.signal);
  }
}

/** One attempt; a rejection of the transport or a timeout is an outcome, the caller's abort rethrows. */
export async function attemptOnce({
  transport,
  request,
  timeoutMs,
  signal,
}: {
  transport: SidecarTransport;
  request: SidecarTransportRequest;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
}): Promise<CallOutcome> {
  signal?.throwIfAborted();
  if (transport.inProcess === true && signal === undefined) return attemptInProcess(transport, request);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  const forwardAbort = () => controller.abort(signal?.reason);
  signal?.addEventListener("abort", forwardAbort, { once: true });
  // A transport may ignore the signal (an in-process one): the race makes the timeout hold anyway.
  let stopWaiting = () => {};
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => reject(controller.signal.reason);
    controller.signal.addEventListener("abort", onAbort, { once: true });
    stopWaiting = () => controller.signal.removeEventListener("abort", onAbort);
  });
  aborted.catch(() => {});
  const where = `${request.method} ${request.path}`;
  try {
    const { status, body } = await Promise.race([
      transport.request({ ...request, signal: controller.signal }),
      aborted,
    ]);
    if (status >= 200 && status < 300) return { ok: true, status, body };
    return { ok: false, answered: true, error: errorFromResponse({ status, body, requestIdHeader: null }) };
  } catch (cause) {
    signal?.throwIfAborted();
    const message = controller.signal.aborted
      ? `The sidecar gave no answer to ${where} within ${timeoutMs} ms`
      : `Could not reach the sidecar for ${where}: ${describe(cause)}`;
    return { ok: false, answered: false, error: new LumenConnectionError({ message, cause }) };
  } finally {
    clearTimeout(timer);
    stopWaiting();
    signal?.removeEventListener("abort", forwardAbort);
  }
}

/** An in-process transport answers or throws at once: no timer, no abort signal. */
async function attemptInProcess(transport: SidecarTransport, request: SidecarTransportRequest): Promise<CallOutcome> {
  try {
    const { status, body } = await transport.request(request);
    if (status >= 200 && status < 300) return { ok: true, status, body };
    return { ok: false, answered: true, error: errorFromResponse({ status, body, requestIdHeader: null }) };
  } catch (cause) {
    const message = `The embedded sidecar failed on ${request.method} ${request.path}: ${describe(cause)}`;
    return { ok: false, answered: false, error: new LumenConnectionError({ message, cause }) };
  }
}

/** 429 and 5xx, or no answer: worth another try. */
export function isTransient(outcome: CallOutcome): boolean {
  return !outcome.ok && (!outcome.answered || isRetryableStatus(outcome.error.status));
}

function retryable(outcome: CallOutcome, mode: RetryMode): boolean {
  if (outcome.ok) return false;
  if (mode === "always") return isTransient(outcome);
  return outcome.answered ? outcome.error.status === 429 : connectionRefused(outcome.error.cause);
}

/** ECONNREFUSED anywhere in the cause chain (fetch wraps it in a TypeError): the request never left. */
function connectionRefused(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    if (typeof current !== "object") return false;
    if ((current as { code?: unknown }).code === "ECONNREFUSED") return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** Equal jitter: half of the exponential ceiling fixed, half random, so that clients do not retry in step. */
export function backoff(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxMs, initialMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
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

function describe(cause: unknown): string {
  if (!(cause instanceof Error)) return String(cause);
  const inner = cause.cause instanceof Error ? `: ${cause.cause.message}` : "";
  return `${cause.message}${inner}`;
}
