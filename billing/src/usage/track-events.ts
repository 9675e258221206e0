import {
  CLOSED_THROUGH_SQL,
  closedThroughOf,
  customersToCheckForClosedPeriods,
  type ErrorDetail,
  type KeysSeenRequest,
  type KeysSeenResult,
  LumenError,
  parseTrackInput,
  QUERY_OPERATIONS,
  readEvent,
  stampEvents,
  summarizeUsage,
  type TrackInput,
  type UsageEvent,
} from "@lumen/core";
import { db, type EngineContext } from "../context";
import { buildCatalog } from "../definitions/build-catalog";
import { buildCustomerDefinition } from "../definitions/build-customer-definition";
import { requirePipeline } from "../pipeline/pipeline-client";
import { balanceStateOf } from "./get-usage";

export const MAX_BATCH_EVENTS = 1000;
const KEYS_SEEN_TIMEOUT_MS = 2_000;

/** Frozen times of the test clocks of these customers (test environment only: live has no clocks). */
async function clockTimesOf(ctx: EngineContext, customers: string[]): Promise<Map<string, number>> {
  if (ctx.env !== "test" || customers.length === 0) return new Map();
  const { rows } = await db(ctx).query<{ id: string; frozen_time: Date }>(
    `SELECT c.id, t.frozen_time FROM customers c JOIN test_clocks t ON t.env = c.env AND t.id = c.test_clock_id
     WHERE c.env = $1 AND c.id = ANY($2)`,
    [ctx.env, customers],
  );
  return new Map(rows.map((row) => [row.id, row.frozen_time.getTime()]));
}

function invalidEvent(details: ErrorDetail[]): LumenError {
  const first = details[0];
  return new LumenError(
    "validation_error",
    first ? `Invalid ${first.path}: ${first.message}` : "Invalid event",
    details,
  );
}

/**
 * `POST /v1/track` on the billing API: the same pipeline as ingest (validated, stamped, durable in the stream
 * before the answer). `balances` is the owner's view when the answer leaves, within the pipeline's lag.
 */
export async function trackEvent({ ctx, input }: { ctx: EngineContext; input: unknown }) {
  const parsed = parseTrackInput(input);
  if (!parsed.ok) throw invalidEvent(parsed.details);
  const pipeline = requirePipeline(ctx.pipeline);
  const receivedAt = ctx.clock.now().getTime();
  const clockTimes = await clockTimesOf(ctx, [parsed.input.customer]);
  const { events, rejected } = stampEvents({
    inputs: [parsed.input],
    env: ctx.env,
    receivedAt,
    clockTimes,
    closedThrough: await closedThroughFor(ctx, [parsed.input]),
  });
  const event = events[0];
  if (!event) throw invalidEvent(rejected[0]?.details ?? []);
  const [duplicate = false] = await knownRepeats(ctx, events);
  await pipeline.publish(events);
  const at = clockTimes.get(event.customer) ?? receivedAt;
  return { id: event.id, duplicate, balances: await balancesAfter(ctx, event, at) };
}

/** `POST /v1/events/batch`: up to 1000 events; a bad event is reported by index and does not stop the rest. */
export async function trackBatch({ ctx, input }: { ctx: EngineContext; input: unknown }) {
  const body = input as { events?: unknown } | null;
  if (!body || typeof body !== "object" || Array.isArray(body) || !Array.isArray(body.events)) {
    throw new LumenError("validation_error", 'The body is {"events": [...]}', [
      { path: "events", message: "must be an array of events" },
    ]);
  }
  const unknown = Object.keys(body).filter((key) => key !== "events");
  if (unknown.length > 0) {
    throw new LumenError(
      "validation_error",
      "Unknown fields",
      unknown.map((key) => ({ path: key, message: "unknown field" })),
    );
  }
  if (body.events.length > MAX_BATCH_EVENTS) {
    throw new LumenError("validation_error", `A batch holds at most ${MAX_BATCH_EVENTS} events`, [
      { path: "events", message: `at most ${MAX_BATCH_EVENTS} events` },
    ]);
  }
  const pipeline = requirePipeline(ctx.pipeline);
  const rejected: { index: number; error: { code: string; message: string; details: ErrorDetail[] } }[] = [];
  const inputs: TrackInput[] = [];
  const indexes: number[] = [];
  body.events.forEach((raw: unknown, index: number) => {
    const parsed = parseTrackInput(raw);
    if (parsed.ok) {
      inputs.push(parsed.input);
      indexes.push(index);
    } else {
      const error = invalidEvent(parsed.details);
      rejected.push({ index, error: { code: error.code, message: error.message, details: error.details } });
    }
  });
  const stamped = stampEvents({
    inputs,
    env: ctx.env,
    receivedAt: ctx.clock.now().getTime(),
    clockTimes: await clockTimesOf(ctx, [...new Set(inputs.map((i) => i.customer))]),
    closedThrough: await closedThroughFor(ctx, inputs),
  });
  for (const refusal of stamped.rejected) {
    const error = invalidEvent(refusal.details);
    rejected.push({
      index: indexes[refusal.index] ?? refusal.index,
      error: { code: error.code, message: error.message, details: error.details },
    });
  }
  const repeats = await knownRepeats(ctx, stamped.events);
  if (stamped.events.length > 0) await pipeline.publish(stamped.events);
  rejected.sort((a, b) => a.index - b.index);
  return { accepted: stamped.events.length, duplicates: repeats.filter(Boolean).length, rejected };
}

/**
 * Which events already known to repeat an idempotency key: one seen earlier in the same request, or one the
 * aggregators have counted (PRODUCT §9: "duplicate: true when it already knows"). When the aggregators cannot
 * answer at once, nothing is known; the aggregator still never counts a repeat.
 */
async function knownRepeats(ctx: EngineContext, events: readonly UsageEvent[]): Promise<boolean[]> {
  const pipeline = requirePipeline(ctx.pipeline);
  const keyed = events.filter((event) => event.idempotencyKey !== null);
  if (keyed.length === 0) return events.map(() => false);
  const request: KeysSeenRequest = {
    env: ctx.env,
    at: ctx.clock.now().getTime(),
    keys: keyed.map((event) => ({ customer: event.customer, idempotencyKey: event.idempotencyKey! })),
  };
  const answer = await pipeline
    .request<KeysSeenResult>(pipeline.names.querySubject(QUERY_OPERATIONS.keysSeen), request, KEYS_SEEN_TIMEOUT_MS)
    .catch(() => ({ seen: [] as boolean[] }));
  const seenBefore = new Set<string>();
  let next = 0;
  return events.map((event) => {
    if (event.idempotencyKey === null) return false;
    const name = `${event.customer}\u0000${event.idempotencyKey}`;
    const repeat = answer.seen[next++] === true || seenBefore.has(name);
    seenBefore.add(name);
    return repeat;
  });
}

/**
 * The balance (PRODUCT §9, core's model, at the customer's time) of each feature the event counts toward, as the
 * owner's latest snapshot has it: within the pipeline's lag, it may not include the event yet.
 */
async function balancesAfter(ctx: EngineContext, event: UsageEvent, at: number) {
  const features = readEvent({ event, catalog: await buildCatalog(ctx, 0) }).map((reading) => reading.feature);
  if (features.length === 0) return [];
  const definition = await buildCustomerDefinition(ctx, event.customer, 0);
  const snapshot = await requirePipeline(ctx.pipeline).snapshot(ctx.env, event.customer);
  const summary = summarizeUsage({ state: balanceStateOf(definition, snapshot), at });
  return features.map((feature) => {
    const usage = summary.find((candidate) => candidate.feature === feature);
    return { feature, used: usage?.used ?? 0, balance: usage?.balance ?? null };
  });
}

/** Per customer with dated events, the end of the newest period already invoiced for good. */
async function closedThroughFor(ctx: EngineContext, inputs: readonly TrackInput[]) {
  const customers = customersToCheckForClosedPeriods(inputs);
  if (customers.length === 0) return undefined;
  return closedThroughOf((await db(ctx).query(CLOSED_THROUGH_SQL, [ctx.env, customers])).rows);
}
