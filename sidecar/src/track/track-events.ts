import {
  type ErrorDetail,
  type LumenEnv,
  LumenError,
  parseTrackInput,
  readBatchEvents,
  stampEvents,
  type TrackInput,
} from "@lumen/core";
import type { CustomerCache } from "../cache/customer-cache";
import type { OwnEvent } from "../cache/customer-entry";
import type { SideTables } from "../cache/side-tables";
import { pendingOfEvent } from "./own-events";
import type { TrackQueue } from "./track-queue";

export interface RejectedEvent {
  index: number;
  error: { code: "validation_error"; message: string; details: ErrorDetail[] };
}

export interface TrackAnswer {
  queued: number;
  rejected: RejectedEvent[];
}

interface Parsed {
  index: number;
  input: TrackInput;
}

/**
 * `POST /v1/track` on the sidecar: one event, an array, or `{events}`. Valid events are stamped like ingest stamps
 * them (the customer's test-clock time when it has one), counted in the customer's cached balances at once, and
 * queued for the stream; the answer does not wait for the network. One bad event is a 400; in a batch, the
 * others are queued and the bad ones listed.
 */
export function trackEvents({
  body,
  env,
  cache,
  tables,
  queue,
  now,
  countOwn,
}: {
  body: unknown;
  env: LumenEnv;
  cache: CustomerCache;
  tables: SideTables;
  queue: TrackQueue;
  now: number;
  countOwn: (customer: string, own: OwnEvent) => void;
}): TrackAnswer | Promise<TrackAnswer> {
  const single = !Array.isArray(body) && !(body !== null && typeof body === "object" && "events" in body);
  const raws = single ? [body] : readBatchEvents(body);
  const parsed: Parsed[] = [];
  const rejected: RejectedEvent[] = [];
  for (let index = 0; index < raws.length; index++) {
    const result = parseTrackInput(raws[index], single ? "" : `events.${index}`);
    if (result.ok) parsed.push({ index, input: result.input });
    else rejected.push(rejection(index, result.details));
  }
  if (single && rejected.length > 0) {
    const details = rejected[0]!.error.details;
    throw new LumenError("validation_error", rejected[0]!.error.message, details);
  }
  if (!queue.hasRoom(parsed.length)) {
    throw new LumenError("rate_limited", `The sidecar holds ${queue.depth} events not yet sent; retry after a second`);
  }
  // Test customers may live on a test clock: their events take its time, which needs their definition.
  const unknownClock = env === "test" ? parsed.filter(({ input }) => !cache.peek(env, input.customer)) : [];
  const stampAndQueue = (): TrackAnswer => {
    const queued = stamp({ parsed, env, cache, tables, queue, now, countOwn, rejected });
    rejected.sort((a, b) => a.index - b.index);
    return { queued, rejected };
  };
  if (unknownClock.length === 0) return stampAndQueue();
  const customers = [...new Set(unknownClock.map(({ input }) => input.customer))];
  return Promise.all(customers.map((customer) => cache.get(env, customer).catch(() => undefined))).then(stampAndQueue);
}

function stamp({
  parsed,
  env,
  cache,
  tables,
  queue,
  now,
  countOwn,
  rejected,
}: {
  parsed: Parsed[];
  env: LumenEnv;
  cache: CustomerCache;
  tables: SideTables;
  queue: TrackQueue;
  now: number;
  countOwn: (customer: string, own: OwnEvent) => void;
  rejected: RejectedEvent[];
}): number {
  const clockTimes = new Map<string, number>();
  if (env === "test") {
    for (const { input } of parsed) {
      const clock = cache.peek(env, input.customer)?.definition?.testClock;
      const time = clock ? tables.clockTime(clock) : undefined;
      if (time !== undefined) clockTimes.set(input.customer, time);
    }
  }
  const closedThrough = new Map<string, number>();
  for (const { input } of parsed) {
    const closed = input.timestamp === null ? null : cache.peek(env, input.customer)?.definition?.closedThrough;
    if (closed != null) closedThrough.set(input.customer, closed);
  }
  const stamped = stampEvents({
    inputs: parsed.map(({ input }) => input),
    env,
    receivedAt: now,
    clockTimes,
    closedThrough,
  });
  for (const { index, details } of stamped.rejected) {
    const original = parsed[index]!.index;
    rejected.push(
      rejection(
        original,
        details.map((detail) => ({ ...detail, path: `events.${original}.${detail.path}` })),
      ),
    );
  }
  const catalog = tables.catalogOf(env);
  const items = stamped.events.map((event) => {
    // A key of its own makes every resend of the event safe, even when the caller gave none.
    const withKey = event.idempotencyKey === null ? { ...event, idempotencyKey: event.id } : event;
    const own: OwnEvent = { id: event.id, usage: pendingOfEvent(event, catalog), sequence: null, trackedAt: now };
    countOwn(event.customer, own);
    return { event: withKey, own };
  });
  queue.enqueue(items);
  return items.length;
}

function rejection(index: number, details: ErrorDetail[]): RejectedEvent {
  const first = details[0];
  const message = first ? `Invalid ${first.path || "event"}: ${first.message}` : "Invalid event";
  return { index, error: { code: "validation_error", message, details } };
}
