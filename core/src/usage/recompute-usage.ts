import type { LumenEnv, UsageEvent } from "../events/usage-event";
import type { CatalogDefinition, CustomerDefinition } from "../pipeline/definitions";
import { periodOfSchedule, resetScheduleOf } from "./counter-period";
import { type CounterState, isNewer, type UsageApplication } from "./counter-state";
import { counterKey, repeatsWithinWindow } from "./idempotency";
import { readEvent } from "./readings";

/** An event with its place in the stream. */
export interface PositionedEvent {
  event: UsageEvent;
  seq: number;
  index: number;
}

export interface UsageSources {
  catalogOf(env: LumenEnv): CatalogDefinition | undefined;
  definitionOf(env: LumenEnv, customer: string): CustomerDefinition | undefined;
}

/**
 * The counters, recomputed the straightforward way from the raw events: drop repeated idempotency keys (the
 * first occurrence in the stream wins), read each event, and for each (customer, feature, entity) — and each
 * customer-wide (customer, feature) — total the events of the period of its newest event. The reference that
 * the aggregator's incremental counters are tested against. Keys: `<env>\0<customer>\0` + `counterKey`.
 */
export function recomputeUsage({
  events,
  sources,
}: {
  events: readonly PositionedEvent[];
  sources: UsageSources;
}): Map<string, CounterState> {
  const ordered = [...events].sort((a, b) => a.seq - b.seq || a.index - b.index);
  const counted = new Map<string, number[]>();
  const groups = new Map<string, UsageApplication[]>();
  for (const { event, seq, index } of ordered) {
    if (event.idempotencyKey !== null) {
      const key = `${event.env}\u0000${event.customer}\u0000${event.idempotencyKey}`;
      const earlier = counted.get(key) ?? [];
      if (earlier.some((receivedAt) => repeatsWithinWindow(receivedAt, event.receivedAt))) continue;
      counted.set(key, [...earlier, event.receivedAt]);
    }
    const catalog = sources.catalogOf(event.env);
    const definition = sources.definitionOf(event.env, event.customer);
    for (const { feature, reading, token } of readEvent({ event, catalog })) {
      const schedule = resetScheduleOf({ definition, catalog, feature });
      const application = {
        period: periodOfSchedule(schedule, event.timestamp),
        timestamp: event.timestamp,
        seq,
        index,
        reading,
        token,
      };
      const prefix = `${event.env}\u0000${event.customer}\u0000`;
      const keys = [prefix + counterKey(feature, null)];
      if (event.entity !== null) keys.push(prefix + counterKey(feature, event.entity));
      for (const key of keys) groups.set(key, [...(groups.get(key) ?? []), application]);
    }
  }
  const counters = new Map<string, CounterState>();
  for (const [key, applications] of groups) counters.set(key, totalOfNewestPeriod(applications));
  return counters;
}

function totalOfNewestPeriod(applications: UsageApplication[]): CounterState {
  const position = (a: UsageApplication) => ({ at: a.timestamp, seq: a.seq, index: a.index });
  const newest = applications.reduce((best, a) => (isNewer(position(a), position(best)) ? a : best));
  const inPeriod = applications.filter(
    (a) => a.period.start === newest.period.start && a.period.end === newest.period.end,
  );
  const [first, ...rest] = inPeriod as [UsageApplication, ...UsageApplication[]];
  let sum = first.reading;
  let max = first.reading;
  for (const a of rest) {
    sum += a.reading;
    if (a.reading > max) max = a.reading;
  }
  const tokens = inPeriod.flatMap((a) => (a.token === null ? [] : [a.token]));
  return {
    periodStart: newest.period.start,
    periodEnd: newest.period.end,
    events: inPeriod.length,
    sum,
    max,
    latest: newest.reading,
    newestAt: newest.timestamp,
    newestSeq: newest.seq,
    newestIndex: newest.index,
    tokens: tokens.length > 0 ? new Set(tokens) : null,
  };
}
