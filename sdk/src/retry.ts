/** When and how long to wait before retrying a call (pure; the transport applies it). */

export const INITIAL_RETRY_DELAY_MS = 500;
export const MAX_RETRY_DELAY_MS = 8_000;
/** A server asking for a longer pause than this gets an error now rather than a call that hangs for minutes. */
export const MAX_RETRY_AFTER_MS = 60_000;

/** 429 and 5xx are worth another try; any other answer is final (a 400 stays a 400). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/**
 * Exponential backoff with "equal jitter" (half fixed, half random), so that clients that failed together do
 * not retry together: attempt 0 waits 250–500 ms, attempt 1 500–1000 ms, … capped at 8 s.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_DELAY_MS, INITIAL_RETRY_DELAY_MS * 2 ** attempt);
  return Math.round(ceiling / 2 + (ceiling / 2) * random());
}

/**
 * The wait a `Retry-After` header asks for, in milliseconds: delta-seconds ("2", "0.5") or an HTTP date
 * (RFC 9110 §10.2.3). Null when absent or unreadable; a date in the past is 0.
 */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  // Every HTTP-date form starts with a day name; Date.parse alone would take "-1" for the year 2001.
  if (!/^[A-Za-z]{3}/.test(trimmed)) return null;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return null;
  return Math.max(0, date - now);
}

/**
 * How long to wait before the next attempt, or null to give up: honours `Retry-After` when the server sent
 * one (up to 60 s), else backs off exponentially.
 */
export function retryDelay({
  attempt,
  retryAfter,
  random,
}: {
  attempt: number;
  retryAfter: string | null;
  random?: () => number;
}): number | null {
  const asked = parseRetryAfter(retryAfter);
  if (asked === null) return backoffDelay(attempt, random);
  return asked <= MAX_RETRY_AFTER_MS ? asked : null;
}
