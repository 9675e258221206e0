/**
 * The server's closed set of error codes (PRODUCT §1). A copy of `ERROR_CODES` in core/src/errors.ts: the SDK is
 * published alone and must not import @lumen/core; errors.test.ts keeps the two lists equal.
 */
export const ERROR_CODES = [
  "validation_error",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "idempotency_conflict",
  "payload_too_large",
  "rate_limited",
  "internal",
  "unavailable",
] as const;

/** A code the billing API answers with. */
export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * `connection_error` is the SDK's own: no HTTP answer arrived (DNS, refused connection, reset, timeout). It is
 * deliberately not a server code, so that "the server said no" and "the server was not reached" never mix.
 */
export type LumenErrorCode = ErrorCode | "connection_error";

export interface ErrorDetail {
  /** Dotted path of the offending field: `items.0.included`. */
  path: string;
  message: string;
}

/** The code each status maps to when a non-2xx answer carries no Lumen error body (a proxy's 502 page). */
const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: "validation_error",
  401: "unauthorized",
  403: "forbidden",
  404: "not_found",
  409: "conflict",
  413: "payload_too_large",
  429: "rate_limited",
  503: "unavailable",
};

/**
 * Any failed call: `code` from the closed set, `status` the HTTP status (0 when no answer arrived), `details`
 * per field, `requestId` to quote when asking for help.
 *
 * @example try { await lumen.admin.customers.get("acme") } catch (e) { if (e instanceof LumenError && e.code === "not_found") … }
 */
export class LumenError extends Error {
  readonly code: LumenErrorCode;
  readonly status: number;
  readonly details: ErrorDetail[];
  readonly requestId: string | null;

  constructor({
    code,
    message,
    status,
    details = [],
    requestId = null,
    cause,
  }: {
    code: LumenErrorCode;
    message: string;
    status: number;
    details?: ErrorDetail[];
    requestId?: string | null;
    cause?: unknown;
  }) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = "LumenError";
    this.code = code;
    this.status = status;
    this.details = details;
    this.requestId = requestId;
  }
}

/**
 * The billing API (or sidecar) could not be reached, or did not answer within `timeoutMs`, after every retry.
 * `status` is 0; `cause` holds the underlying error.
 *
 * @example catch (e) { if (e instanceof LumenConnectionError) console.warn("Lumen unreachable", e.cause) }
 */
export class LumenConnectionError extends LumenError {
  declare readonly code: "connection_error";

  constructor({ message, cause }: { message: string; cause?: unknown }) {
    super({ code: "connection_error", message, status: 0, cause });
    this.name = "LumenConnectionError";
  }
}

/**
 * True for a code of the server's closed set (not for the SDK's own `connection_error`).
 * @example if (isErrorCode(body.error?.code)) …
 */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (ERROR_CODES as readonly string[]).includes(value);
}

/** Builds the error of a non-2xx answer from its parsed body (or whatever text came instead). */
export function errorFromResponse({
  status,
  body,
  requestIdHeader,
}: {
  status: number;
  body: unknown;
  requestIdHeader: string | null;
}): LumenError {
  const envelope = readEnvelope(body);
  const code =
    envelope && isErrorCode(envelope.code)
      ? envelope.code
      : (CODE_OF_STATUS[status] ?? (status >= 500 ? "internal" : "validation_error"));
  return new LumenError({
    code,
    status,
    message: envelope?.message ?? `HTTP ${status}${typeof body === "string" && body ? `: ${body.slice(0, 200)}` : ""}`,
    details: envelope?.details ?? [],
    requestId: envelope?.requestId ?? requestIdHeader,
  });
}

function readEnvelope(
  body: unknown,
): { code: unknown; message?: string; details?: ErrorDetail[]; requestId?: string } | null {
  if (typeof body !== "object" || body === null || !("error" in body)) return null;
  const error = body.error;
  if (typeof error !== "object" || error === null) return null;
  const record = error as Record<string, unknown>;
  return {
    code: record.code,
    message: typeof record.message === "string" ? record.message : undefined,
    details: Array.isArray(record.details) ? record.details.filter(isDetail) : undefined,
    requestId: typeof record.requestId === "string" ? record.requestId : undefined,
  };
}

function isDetail(value: unknown): value is ErrorDetail {
  if (typeof value !== "object" || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.path === "string" && typeof record.message === "string";
}
