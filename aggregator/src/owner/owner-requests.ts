import type { OwnerCheckRequest, ReservationActionRequest, ReservationRequest } from "@lumen/core";
import { invalidRequest } from "../query/query-failure";
import { env, type Fields, object, optionalText, text } from "../query/validate";

/** The largest quantity an owner accepts (as ingest bounds an event's value). */
const MAX_QUANTITY = 1e15;
const MAX_TTL_SECONDS = 7 * 24 * 3600;

/** A sidecar passes the stream sequence of its last event for the customer: decide only once it is applied. */
export interface AppliedThrough {
  appliedThrough?: number;
}

/** `entitlement.check` (quantity ≥ 0) and `entitlement.consume` (quantity > 0). */
export function parseOwnerCheck(request: unknown, { consume }: { consume: boolean }): OwnerCheckRequest {
  const fields = object(request);
  const parsed: OwnerCheckRequest = {
    env: env(fields),
    customer: text(fields, "customer"),
    feature: text(fields, "feature"),
    entity: optionalText(fields, "entity"),
    quantity: quantity(fields, "quantity", { zero: !consume }),
    ...appliedThrough(fields),
  };
  if (!consume) return parsed;
  const eventId = optionalText(fields, "eventId");
  const idempotencyKey = optionalText(fields, "idempotencyKey");
  return { ...parsed, ...(eventId === null ? {} : { eventId }), idempotencyKey };
}

export function parseReservationRequest(request: unknown): ReservationRequest & AppliedThrough {
  const fields = object(request);
  const ttl = fields.ttlSeconds;
  if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 1 || ttl > MAX_TTL_SECONDS) {
    throw invalidRequest(`ttlSeconds must be a whole number from 1 to ${MAX_TTL_SECONDS}`);
  }
  return {
    env: env(fields),
    customer: text(fields, "customer"),
    feature: text(fields, "feature"),
    entity: optionalText(fields, "entity"),
    quantity: quantity(fields, "quantity", { zero: false }),
    ttlSeconds: ttl,
    id: text(fields, "id"),
    ...appliedThrough(fields),
  };
}

/** `reservation.commit` (an optional quantity ≥ 0) and `reservation.release`. */
export function parseReservationAction(request: unknown): ReservationActionRequest {
  const fields = object(request);
  const parsed: ReservationActionRequest = {
    env: env(fields),
    customer: text(fields, "customer"),
    id: text(fields, "id"),
  };
  if (fields.quantity === undefined || fields.quantity === null) return parsed;
  return { ...parsed, quantity: quantity(fields, "quantity", { zero: true }) };
}

function quantity(fields: Fields, name: string, { zero }: { zero: boolean }): number {
  const value = fields[name];
  if (
    typeof value !== "number" ||
    !Number.isFinite(value) ||
    value < 0 ||
    (value === 0 && !zero) ||
    value > MAX_QUANTITY
  ) {
    throw invalidRequest(`${name} must be a number ${zero ? "≥" : ">"} 0 and at most ${MAX_QUANTITY}`);
  }
  return value;
}

function appliedThrough(fields: Fields): AppliedThrough {
  const value = fields.appliedThrough;
  if (value === undefined || value === null) return {};
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw invalidRequest("appliedThrough must be a stream sequence (a whole number ≥ 0)");
  }
  return { appliedThrough: value };
}
