import type {
  CurrentUsageRequest,
  EventsRequest,
  LumenEnv,
  PeriodTotalsRequest,
  ReadingsRequest,
  TimeseriesRequest,
} from "@lumen/core";
import { invalidRequest } from "./query-failure";

export type Fields = Record<string, unknown>;

export function object(request: unknown): Fields {
  if (typeof request !== "object" || request === null || Array.isArray(request)) {
    throw invalidRequest("The request must be a map");
  }
  return request as Fields;
}

export function env(fields: Fields): LumenEnv {
  if (fields.env !== "test" && fields.env !== "live") throw invalidRequest("env must be 'test' or 'live'");
  return fields.env;
}

export function text(fields: Fields, name: string): string {
  const value = fields[name];
  if (typeof value !== "string" || value.length === 0 || value.length > 255) {
    throw invalidRequest(`${name} must be a string of 1 to 255 characters`);
  }
  return value;
}

export function optionalText(fields: Fields, name: string): string | null {
  return fields[name] === null || fields[name] === undefined ? null : text(fields, name);
}

export function time(fields: Fields, name: string): number {
  const value = fields[name];
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw invalidRequest(`${name} must be a time in ms`);
  return value;
}

function optionalTime(fields: Fields, name: string): number | null {
  return fields[name] === null || fields[name] === undefined ? null : time(fields, name);
}

function range(fields: Fields): { from: number; to: number } {
  const from = time(fields, "from");
  const to = time(fields, "to");
  if (to <= from) throw invalidRequest("to must be after from");
  return { from, to };
}

export function parseCurrentUsage(request: unknown): CurrentUsageRequest {
  const fields = object(request);
  return { env: env(fields), customer: text(fields, "customer") };
}

export function parseTimeseries(request: unknown): TimeseriesRequest {
  const fields = object(request);
  const parsed = {
    env: env(fields),
    customer: text(fields, "customer"),
    feature: text(fields, "feature"),
    entity: optionalText(fields, "entity"),
    ...range(fields),
  };
  const granularity = fields.granularity;
  if (granularity !== "hour" && granularity !== "day" && granularity !== "month") {
    throw invalidRequest("granularity must be hour, day or month");
  }
  return { ...parsed, granularity };
}

export function parseEvents(request: unknown): EventsRequest {
  const fields = object(request);
  const limit = fields.limit ?? 20;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > 1000) {
    throw invalidRequest("limit must be a whole number from 1 to 1000");
  }
  const from = optionalTime(fields, "from");
  const to = optionalTime(fields, "to");
  if (from !== null && to !== null && to <= from) throw invalidRequest("to must be after from");
  return {
    env: env(fields),
    customer: optionalText(fields, "customer"),
    feature: optionalText(fields, "feature"),
    from,
    to,
    limit,
    startingAfter: optionalText(fields, "startingAfter"),
  };
}

export function parseReadings(request: unknown): ReadingsRequest {
  const fields = object(request);
  return { ...parsePeriodTotals(request), feature: text(fields, "feature") };
}

export function parsePeriodTotals(request: unknown): PeriodTotalsRequest {
  const fields = object(request);
  return {
    env: env(fields),
    customer: text(fields, "customer"),
    ...range(fields),
    waitUntil: optionalTime(fields, "waitUntil"),
  };
}
