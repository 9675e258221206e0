import { type ErrorCode, type ErrorDetail, HTTP_STATUS_OF, LumenError } from "@lumen/core";
import { ZodError } from "zod";

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details: ErrorDetail[]; requestId: string };
}

/** Maps anything thrown while serving a request to the error envelope of PRODUCT §1. Bad input is never a 500. */
export function toErrorResponse(error: unknown, requestId: string): { status: number; body: ErrorBody } {
  const lumen = toLumenError(error);
  return {
    status: HTTP_STATUS_OF[lumen.code],
    body: { error: { code: lumen.code, message: lumen.message, details: lumen.details, requestId } },
  };
}

export function zodDetails(error: ZodError): ErrorDetail[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    // zod reports unknown fields once on their parent; the caller wants the path of each field.
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({ path: [...path, key].join("."), message: "unknown field" }));
    }
    return [{ path: path.join("."), message: issue.message }];
  });
}

function toLumenError(error: unknown): LumenError {
  if (error instanceof LumenError) return error;
  if (error instanceof ZodError) {
    const details = zodDetails(error);
    const first = details[0];
    const message = first ? `Invalid ${first.path || "request"}: ${first.message}` : "Invalid request";
    return new LumenError("validation_error", message, details);
  }
  if (isRecord(error)) {
    const pgCode = typeof error.code === "string" ? error.code : "";
    // PostgreSQL data exceptions (class 22) come from values the request carried.
    if (pgCode.startsWith("22")) return new LumenError("validation_error", String(error.message ?? "Invalid value"));
    if (pgCode === "23505") return new LumenError("conflict", "The object already exists");
    // Deadlocks and serialization failures: another request changed the same objects; a retry succeeds.
    if (pgCode === "40P01" || pgCode === "40001") {
      return new LumenError("conflict", "A concurrent request changed the same objects; retry the request");
    }
    const status = typeof error.statusCode === "number" ? error.statusCode : 500;
    if (status === 413) return new LumenError("payload_too_large", "The request body is larger than the limit");
    if (status === 404) return new LumenError("not_found", String(error.message ?? "Not found"));
    if (status === 429) return new LumenError("rate_limited", "Too many requests");
    if (status >= 400 && status < 500) {
      return new LumenError("validation_error", `Invalid request: ${String(error.message ?? "bad input")}`);
    }
  }
  return new LumenError("internal", "Internal error");
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}
