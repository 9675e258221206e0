/** The closed set of error codes shared by every component and the SDK (PRODUCT §1). */
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

export type ErrorCode = (typeof ERROR_CODES)[number];

/** HTTP status of each code, chosen here and only here. */
export const HTTP_STATUS_OF: Record<ErrorCode, number> = {
  validation_error: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  idempotency_conflict: 409,
  payload_too_large: 413,
  rate_limited: 429,
  internal: 500,
  // Not in PRODUCT §1's list: a component Lumen depends on (the owner of a partition) cannot be reached now.
  unavailable: 503,
};

export interface ErrorDetail {
  path: string;
  message: string;
}

export class LumenError extends Error {
  readonly code: ErrorCode;
  readonly details: ErrorDetail[];

  constructor(code: ErrorCode, message: string, details: ErrorDetail[] = []) {
    super(message);
    this.name = "LumenError";
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return HTTP_STATUS_OF[this.code];
  }
}

export function notFound(what: string, id: string): LumenError {
  return new LumenError("not_found", `No ${what} with id '${id}'`);
}

export function invalid(path: string, message: string): LumenError {
  return new LumenError("validation_error", message, [{ path, message }]);
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && (ERROR_CODES as readonly string[]).includes(value);
}
