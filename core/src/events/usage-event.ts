import type { ErrorDetail } from "../errors";

export type LumenEnv = "test" | "live";
export type PropertyValue = string | number | boolean | null;

/** What a caller sends to `track` (PRODUCT §9), before Lumen stamps it. */
export interface TrackInput {
  customer: string;
  feature: string | null;
  event: string | null;
  entity: string | null;
  value: number;
  properties: Record<string, PropertyValue> | null;
  /** Event time in ms since the epoch, when the caller gave one. */
  timestamp: number | null;
  idempotencyKey: string | null;
}

/** A usage event as it travels through the stream: stamped by the component that received it. */
export interface UsageEvent {
  id: string;
  env: LumenEnv;
  customer: string;
  feature: string | null;
  event: string | null;
  entity: string | null;
  value: number;
  properties: Record<string, PropertyValue> | null;
  /** Event time (ms): the caller's timestamp, else the receive time (the customer's test-clock time if any). */
  timestamp: number;
  /** Wall-clock receive time (ms) at the edge. */
  receivedAt: number;
  idempotencyKey: string | null;
}

export type ParseResult = { ok: true; input: TrackInput } | { ok: false; details: ErrorDetail[] };

const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,254}$/;
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const ALLOWED_FIELDS = new Set([
  "customer",
  "feature",
  "event",
  "entity",
  "value",
  "properties",
  "timestamp",
  "idempotencyKey",
]);
const MAX_PROPERTIES = 50;
const MAX_PROPERTY_STRING = 1_000;
const MAX_ABS_VALUE = 1e15;
/** Events may not claim to happen later than this past the receiver's clock (clock skew allowance). */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** The earliest event time accepted: no product meters usage before 2000, and period math needs sane dates. */
export const EARLIEST_EVENT_TIME = Date.UTC(2000, 0, 1);

/**
 * Validates one track body (JSON or msgpack, already decoded). Hand-written rather than zod because it runs
 * for every event on the ingest hot path; error paths are relative to the event (`prefix` adds `events.3`).
 */
export function parseTrackInput(raw: unknown, prefix = ""): ParseResult {
  const details: ErrorDetail[] = [];
  const at = (field: string) => (prefix ? `${prefix}.${field}` : field);
  const fail = (field: string, message: string) => details.push({ path: at(field), message });
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return { ok: false, details: [{ path: prefix, message: "must be an object" }] };
  }
  const body = raw as Record<string, unknown>;
  for (const key of Object.keys(body)) if (!ALLOWED_FIELDS.has(key)) fail(key, "unknown field");

  const customer = readId(body.customer, "customer", true, fail);
  const feature = readId(body.feature, "feature", false, fail);
  const event = readName(body.event, "event", fail);
  if (feature === null && event === null && !details.some((d) => d.path === at("feature") || d.path === at("event"))) {
    fail("feature", "either feature or event is required");
  }
  if (feature !== null && event !== null) fail("event", "give either feature or event, not both");
  const entity = readId(body.entity, "entity", false, fail);

  let value = 1;
  if (body.value !== undefined && body.value !== null) {
    if (typeof body.value !== "number" || !Number.isFinite(body.value) || Math.abs(body.value) > MAX_ABS_VALUE) {
      fail("value", "must be a finite number");
    } else value = body.value;
  }

  let properties: Record<string, PropertyValue> | null = null;
  if (body.properties !== undefined && body.properties !== null) {
    properties = readProperties(body.properties, fail);
  }

  let timestamp: number | null = null;
  if (body.timestamp !== undefined && body.timestamp !== null) {
    timestamp = readTimestamp(body.timestamp);
    if (timestamp === null) fail("timestamp", "must be an ISO 8601 time with a timezone, such as 2026-01-01T00:00:00Z");
    else if (timestamp < EARLIEST_EVENT_TIME) fail("timestamp", "must not be before 2000-01-01T00:00:00Z");
  }

  let idempotencyKey: string | null = null;
  if (body.idempotencyKey !== undefined && body.idempotencyKey !== null) {
    if (
      typeof body.idempotencyKey !== "string" ||
      body.idempotencyKey.length === 0 ||
      body.idempotencyKey.length > 255 ||
      !isWellFormed(body.idempotencyKey)
    ) {
      fail("idempotencyKey", "must be a string of 1 to 255 characters (well-formed Unicode)");
    } else idempotencyKey = body.idempotencyKey;
  }

  if (details.length > 0 || customer === null) return { ok: false, details };
  return { ok: true, input: { customer, feature, event, entity, value, properties, timestamp, idempotencyKey } };
}

function readId(
  value: unknown,
  field: string,
  required: boolean,
  fail: (field: string, message: string) => void,
): string | null {
  if (value === undefined || value === null) {
    if (required) fail(field, "is required");
    return null;
  }
  if (typeof value !== "string" || !ID_PATTERN.test(value)) {
    fail(field, "must be 1–255 letters, digits, '_', '.', ':', '@' or '-', starting with a letter or digit");
    return null;
  }
  return value;
}

function readName(value: unknown, field: string, fail: (field: string, message: string) => void): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value.length === 0 || value.length > 255 || !isWellFormed(value)) {
    fail(field, "must be a string of 1 to 255 characters (well-formed Unicode)");
    return null;
  }
  return value;
}

/**
 * A lone UTF-16 surrogate cannot be stored as UTF-8 (ClickHouse would keep U+FFFD instead), so a key holding one
 * would never match itself once stored: such strings are refused.
 */
function isWellFormed(text: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
}

function readProperties(
  value: unknown,
  fail: (field: string, message: string) => void,
): Record<string, PropertyValue> | null {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    fail("properties", "must be an object of strings, numbers and booleans");
    return null;
  }
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > MAX_PROPERTIES) {
    fail("properties", `must have at most ${MAX_PROPERTIES} keys`);
    return null;
  }
  const out: Record<string, PropertyValue> = {};
  for (const [key, item] of entries) {
    if (key.length === 0 || key.length > 100 || !isWellFormed(key)) {
      fail(`properties.${key}`, "keys are 1 to 100 characters");
      continue;
    }
    if (item === null || typeof item === "boolean" || (typeof item === "number" && Number.isFinite(item))) {
      out[key] = item;
    } else if (typeof item === "string" && item.length <= MAX_PROPERTY_STRING && isWellFormed(item)) {
      out[key] = item;
    } else {
      fail(`properties.${key}`, `must be a string (at most ${MAX_PROPERTY_STRING} characters), a number or a boolean`);
    }
  }
  return out;
}

/** ISO 8601 strings (JSON) or msgpack timestamps (decoded as Date). */
function readTimestamp(value: unknown): number | null {
  if (value instanceof Date) return Number.isFinite(value.getTime()) ? value.getTime() : null;
  if (typeof value !== "string" || !ISO_TIMESTAMP.test(value)) return null;
  const ms = Date.parse(value);
  return Number.isFinite(ms) ? ms : null;
}
