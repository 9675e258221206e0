import {
  type Clock,
  customersToCheckForClosedPeriods,
  type ErrorDetail,
  type LumenEnv,
  parseTrackInput,
  stampEvents,
  type TrackInput,
  type UsageEvent,
} from "@lumen/core";
import type { EventPublisher } from "@lumen/core/runtime";

export interface RejectedEvent {
  index: number;
  error: { code: "validation_error"; message: string; details: ErrorDetail[] };
}

export interface AcceptedEvents {
  /** Durable: in the stream. */
  events: UsageEvent[];
  rejected: RejectedEvent[];
}

export interface AcceptContext {
  publisher: EventPublisher;
  clock: Clock;
  /** Test-clock times of these test customers (absent: no clock). */
  clockTimes(customers: readonly string[]): Promise<ReadonlyMap<string, number>>;
  /** Per customer, the end of the newest period already invoiced for good (events before it are refused). */
  closedThrough?(env: LumenEnv, customers: readonly string[]): Promise<ReadonlyMap<string, number>>;
}

/**
 * Validates, stamps and publishes decoded events; resolves once the valid ones are durable. A bad event never
 * rejects the others. `pathOf(index)` prefixes error paths (`events.3` in a batch, nothing for one event).
 * Rejects with `rate_limited` when the publisher's queue is full, `internal` when the stream failed.
 */
export async function acceptEvents({
  ctx,
  env,
  raws,
  pathOf,
}: {
  ctx: AcceptContext;
  env: LumenEnv;
  raws: readonly unknown[];
  pathOf: (index: number) => string;
}): Promise<AcceptedEvents> {
  const receivedAt = ctx.clock.now().getTime();
  const inputs: TrackInput[] = [];
  const indexes: number[] = [];
  const rejected: RejectedEvent[] = [];
  for (let index = 0; index < raws.length; index++) {
    const parsed = parseTrackInput(raws[index], pathOf(index));
    if (parsed.ok) {
      inputs.push(parsed.input);
      indexes.push(index);
    } else {
      rejected.push(rejection(index, parsed.details));
    }
  }

  // Only test customers can have a clock (live events never query); every test event needs its customer's
  // time, as the event time or as the reference for the future-skew check.
  const customers = env === "test" ? [...new Set(inputs.map((input) => input.customer))] : [];
  const clockTimes = customers.length > 0 ? await ctx.clockTimes(customers) : undefined;
  // Only events that carry their own time can fall in a period already invoiced: the rest skip the query.
  const dated = customersToCheckForClosedPeriods(inputs);
  const closedThrough = dated.length > 0 ? await ctx.closedThrough?.(env, dated) : undefined;
  const stamped = stampEvents({ inputs, env, receivedAt, clockTimes, closedThrough });
  for (const { index, details } of stamped.rejected) {
    const original = indexes[index]!;
    const prefix = pathOf(original);
    const prefixed = details.map((detail) => ({ ...detail, path: prefix ? `${prefix}.${detail.path}` : detail.path }));
    rejected.push(rejection(original, prefixed));
  }
  if (stamped.rejected.length > 0) rejected.sort((a, b) => a.index - b.index);

  await ctx.publisher.publish(stamped.events);
  return { events: stamped.events, rejected };
}

function rejection(index: number, details: ErrorDetail[]): RejectedEvent {
  const first = details[0];
  // The billing API's /v1/events/batch words it the same way.
  const message = first ? `Invalid ${first.path || "event"}: ${first.message}` : "Invalid event";
  return { index, error: { code: "validation_error", message, details } };
}
