import { type ErrorDetail, LumenError } from "@lumen/core";

/** Who a request is about: `customer`, or `user` (a customer id or an entity id the sidecar resolves). */
export interface WhoInput {
  customer: string | null;
  user: string | null;
  entity: string | null;
}

export interface CheckInput extends WhoInput {
  feature: string;
  quantity: number;
  /** `/v1/check` with `consume: true` is a consume (PRODUCT §9). */
  consume: boolean;
  idempotencyKey: string | null;
}

export interface ReserveInput extends WhoInput {
  feature: string;
  quantity: number;
  ttlSeconds: number;
}

export const DEFAULT_RESERVATION_TTL_SECONDS = 300;
const MAX_RESERVATION_TTL_SECONDS = 7 * 24 * 3600;
const MAX_ID_LENGTH = 255;

/** `POST /v1/check` and `/v1/consume` bodies, checked by hand: this is the hot path. */
const CHECK_FIELDS = new Set(["customer", "user", "feature", "entity", "quantity", "consume", "idempotencyKey"]);
const RESERVE_FIELDS = new Set(["customer", "user", "feature", "entity", "quantity", "ttlSeconds"]);
const COMMIT_FIELDS = new Set(["quantity"]);
const NO_FIELDS = new Set<string>();

export function parseCheckInput(body: unknown): CheckInput {
  const fields = objectOf(body, CHECK_FIELDS);
  const issues: ErrorDetail[] = [];
  const who = readWho(fields, issues);
  const feature = readId(fields.feature, "feature", issues, true);
  const quantity = readQuantity(fields, "quantity", issues, 1);
  const consume = fields.consume;
  if (consume !== undefined && typeof consume !== "boolean")
    issues.push({ path: "consume", message: "must be a boolean" });
  const idempotencyKey = readId(fields.idempotencyKey, "idempotencyKey", issues, false);
  if (issues.length > 0) throw invalid(issues);
  // Fields spelled out: spreading `who` here cost more than the rest of the parse together (measured).
  return {
    customer: who.customer,
    user: who.user,
    entity: who.entity,
    feature: feature!,
    quantity,
    consume: consume === true,
    idempotencyKey,
  };
}

export function parseReserveInput(body: unknown): ReserveInput {
  const fields = objectOf(body, RESERVE_FIELDS);
  const issues: ErrorDetail[] = [];
  const who = readWho(fields, issues);
  const feature = readId(fields.feature, "feature", issues, true);
  const quantity = readQuantity(fields, "quantity", issues, null);
  const ttl = fields.ttlSeconds;
  if (
    ttl !== undefined &&
    (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_RESERVATION_TTL_SECONDS)
  ) {
    issues.push({
      path: "ttlSeconds",
      message: `must be a whole number of seconds from 1 to ${MAX_RESERVATION_TTL_SECONDS}`,
    });
  }
  if (issues.length > 0) throw invalid(issues);
  return {
    ...who,
    feature: feature!,
    quantity,
    ttlSeconds: typeof ttl === "number" ? ttl : DEFAULT_RESERVATION_TTL_SECONDS,
  };
}

/** `POST /v1/reservations/:id/commit {quantity}`: the actual usage (0 records nothing). */
export function parseCommitInput(body: unknown): { quantity: number | null } {
  const fields = body === undefined || body === null ? {} : objectOf(body, COMMIT_FIELDS);
  const quantity = fields.quantity;
  if (quantity === undefined) return { quantity: null };
  if (typeof quantity !== "number" || !Number.isFinite(quantity) || quantity < 0) {
    throw invalid([{ path: "quantity", message: "must be a number ≥ 0" }]);
  }
  return { quantity };
}

/** `POST /v1/reservations/:id/release`: no body, or an empty object. */
export function parseReleaseInput(body: unknown): { quantity: null } {
  if (body !== undefined && body !== null) objectOf(body, NO_FIELDS);
  return { quantity: null };
}

/** A body with no fields beyond `allowed` (unknown fields are a validation_error, PRODUCT §1). */
export function objectOf(body: unknown, allowed: ReadonlySet<string>): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body) || body instanceof Uint8Array) {
    throw invalid([{ path: "", message: "must be a JSON object" }]);
  }
  const fields = body as Record<string, unknown>;
  let unknown: ErrorDetail[] | null = null;
  for (const key in fields) {
    if (!Object.hasOwn(fields, key) || allowed.has(key)) continue;
    unknown ??= [];
    unknown.push({ path: key, message: "unknown field" });
  }
  if (unknown !== null) throw invalid(unknown);
  return fields;
}

function readWho(fields: Record<string, unknown>, issues: ErrorDetail[]): WhoInput {
  const before = issues.length;
  const customer = readId(fields.customer, "customer", issues, false);
  const user = readId(fields.user, "user", issues, false);
  const entity = readId(fields.entity, "entity", issues, false);
  if (customer === null && user === null && issues.length === before) {
    issues.push({ path: "customer", message: "is required (or `user`: a customer id or a seat's entity id)" });
  }
  return { customer, user, entity };
}

function readId(value: unknown, path: string, issues: ErrorDetail[], required: boolean): string | null {
  if (value === undefined || value === null) {
    if (required) issues.push({ path, message: "is required" });
    return null;
  }
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_ID_LENGTH) {
    issues.push({ path, message: `must be a non-empty string of at most ${MAX_ID_LENGTH} characters` });
    return null;
  }
  return value;
}

function readQuantity(
  fields: Record<string, unknown>,
  path: string,
  issues: ErrorDetail[],
  fallback: number | null,
): number {
  const value = fields[path];
  if (value === undefined && fallback !== null) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || value > 1e15) {
    issues.push({ path, message: value === undefined ? "is required" : "must be a number > 0" });
    return 0;
  }
  return value;
}

function invalid(details: ErrorDetail[]): LumenError {
  const first = details[0]!;
  return new LumenError("validation_error", `Invalid ${first.path || "body"}: ${first.message}`, details);
}
