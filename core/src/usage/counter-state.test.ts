import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aCustomerDefinition } from "../entitlements/testing";
import type { LumenEnv, UsageEvent } from "../events/usage-event";
import type { CatalogDefinition, CustomerDefinition } from "../pipeline/definitions";
import { type CounterPeriod, periodOfSchedule, resetScheduleOf } from "./counter-period";
import { applyToCounter, type CounterState, counterValue, mergeCounters, type UsageApplication } from "./counter-state";
import { counterKey, IDEMPOTENCY_WINDOW_MS, repeatsWithinWindow } from "./idempotency";
import { readEvent } from "./readings";
import { type PositionedEvent, recomputeUsage } from "./recompute-usage";

const JAN: CounterPeriod = { start: 0, end: 100 };
const FEB: CounterPeriod = { start: 100, end: 200 };

const at = (period: CounterPeriod, timestamp: number, seq: number, reading: number, token: string | null = null) =>
  ({ period, timestamp, seq, index: 0, reading, token }) satisfies UsageApplication;

function fold(applications: UsageApplication[]): CounterState {
  let counter: CounterState | undefined;
  for (const application of applications) counter = applyToCounter(counter, application);
  return counter!;
}

describe("applyToCounter", () => {
  it("totals, maxes and keeps the newest reading within a period", () => {
    const counter = fold([at(JAN, 10, 1, 2), at(JAN, 30, 2, -1), at(JAN, 20, 3, 5)]);
    expect(counter).toMatchObject({ periodStart: 0, periodEnd: 100, events: 3, sum: 6, max: 5, latest: -1 });
  });

  it("starts afresh when a newer event opens the next period", () => {
    expect(fold([at(JAN, 10, 1, 2), at(FEB, 150, 2, 3)])).toMatchObject({ periodStart: 100, events: 1, sum: 3 });
  });

  it("leaves a late event of an earlier period to the rollups", () => {
    expect(fold([at(FEB, 150, 1, 3), at(JAN, 99, 2, 2)])).toMatchObject({ periodStart: 100, events: 1, sum: 3 });
  });

  it("breaks a tie in event time by arrival", () => {
    expect(fold([at(JAN, 10, 1, 2), at(JAN, 10, 2, 7)]).latest).toBe(7);
    expect(fold([at(JAN, 10, 2, 7), at(JAN, 10, 1, 2)]).latest).toBe(7);
  });

  it("counts distinct tokens", () => {
    const counter = fold([at(JAN, 1, 1, 0, "s:a"), at(JAN, 2, 2, 0, "s:b"), at(JAN, 3, 3, 0, "s:a")]);
    expect(counterValue(counter, "unique_count")).toBe(2);
  });

  it("reads the value of each aggregation", () => {
    const counter = fold([at(JAN, 10, 1, 4), at(JAN, 20, 2, 1)]);
    expect(["count", "sum", "max", "latest", "unique_count"].map((a) => counterValue(counter, a as never))).toEqual([
      5, 5, 4, 1, 0,
    ]);
  });

  it("merges two parts of one period", () => {
    const merged = mergeCounters(fold([at(JAN, 10, 1, 4, "s:a")]), fold([at(JAN, 5, 2, 1, "s:b")]));
    expect(merged).toMatchObject({ events: 2, sum: 5, max: 4, latest: 4, newestAt: 10 });
    expect(merged.tokens).toEqual(new Set(["s:a", "s:b"]));
  });
});

describe("idempotency window", () => {
  it("is 35 days", () => {
    expect(repeatsWithinWindow(1_000, 1_000 + IDEMPOTENCY_WINDOW_MS)).toBe(true);
    expect(repeatsWithinWindow(1_000, 1_001 + IDEMPOTENCY_WINDOW_MS)).toBe(false);
  });
});

// Property: folding events one by one (as the aggregator does) equals the straightforward recomputation.
const DAY = 86_400_000;
const START = Date.parse("2026-01-30T00:00:00.000Z");
const catalog: CatalogDefinition = {
  env: "test",
  version: 1,
  features: {
    calls: { type: "metered", meter: { event: "call", aggregation: "count" }, creditCosts: null },
    bytes: { type: "metered", meter: { event: "call", aggregation: "sum", property: "bytes" }, creditCosts: null },
    peak: { type: "metered", meter: { event: "call", aggregation: "max", property: "bytes" }, creditCosts: null },
    last: { type: "metered", meter: { event: "call", aggregation: "latest" }, creditCosts: null },
    users: {
      type: "metered",
      meter: { event: "call", aggregation: "unique_count", property: "user" },
      creditCosts: null,
    },
    seats: { type: "gauge", meter: null, creditCosts: null },
  },
};
const definitions: Record<string, CustomerDefinition> = {
  daily: aCustomerDefinition({
    customer: "daily",
    billingPeriod: { interval: "day", anchor: "2026-01-01T12:00:00.000Z" },
  }),
};
const sources = {
  catalogOf: (env: LumenEnv) => (env === "test" ? catalog : undefined),
  definitionOf: (_env: LumenEnv, customer: string) => definitions[customer],
};

const eventArbitrary = fc.record({
  customer: fc.constantFrom("daily", "monthly"),
  byFeature: fc.constantFrom(null, "seats", "calls", "users"),
  entity: fc.constantFrom(null, "e1", "e2"),
  value: fc.integer({ min: -8, max: 8 }).map((n) => n / 4),
  bytes: fc.option(fc.integer({ min: -3, max: 1000 }), { nil: undefined }),
  user: fc.option(fc.constantFrom("u1", "u2", "u3"), { nil: undefined }),
  offset: fc.integer({ min: 0, max: 4 * DAY }),
  // Receive times far enough apart that a repeated key falls outside the 35-day window as often as inside.
  receivedOffset: fc.constantFrom(0, DAY, 36 * DAY, 37 * DAY, 80 * DAY),
  key: fc.option(fc.constantFrom("k1", "k2", "k3", "k4"), { nil: null }),
});

type EventSpec = typeof eventArbitrary extends fc.Arbitrary<infer T> ? T : never;

function toEvent(spec: EventSpec, id: number): UsageEvent {
  const properties: Record<string, string | number> = {};
  if (spec.bytes !== undefined) properties.bytes = spec.bytes;
  if (spec.user !== undefined) properties.user = spec.user;
  return {
    id: `evt_${id}`,
    env: "test",
    customer: spec.customer,
    feature: spec.byFeature,
    event: spec.byFeature === null ? "call" : null,
    entity: spec.entity,
    value: spec.value,
    properties,
    timestamp: START + spec.offset,
    receivedAt: START + spec.receivedOffset,
    idempotencyKey: spec.key,
  };
}

function foldEvents(events: PositionedEvent[]): Map<string, CounterState> {
  const counters = new Map<string, CounterState>();
  const lastCounted = new Map<string, number>();
  for (const { event, seq, index } of events) {
    if (event.idempotencyKey !== null) {
      const key = `${event.customer}\u0000${event.idempotencyKey}`;
      const earlier = lastCounted.get(key);
      if (earlier !== undefined && repeatsWithinWindow(earlier, event.receivedAt)) continue;
      lastCounted.set(key, event.receivedAt);
    }
    for (const { feature, reading, token } of readEvent({ event, catalog })) {
      const schedule = resetScheduleOf({ definition: definitions[event.customer], catalog, feature });
      const application = {
        period: periodOfSchedule(schedule, event.timestamp),
        timestamp: event.timestamp,
        seq,
        index,
        reading,
        token,
      };
      const prefix = `test\u0000${event.customer}\u0000`;
      for (const key of [counterKey(feature, null), ...(event.entity ? [counterKey(feature, event.entity)] : [])]) {
        counters.set(prefix + key, applyToCounter(counters.get(prefix + key), application));
      }
    }
  }
  return counters;
}

describe("incremental counters", () => {
  it("equal a recomputation from the raw events for any stream", () => {
    fc.assert(
      fc.property(fc.array(fc.array(eventArbitrary, { minLength: 1, maxLength: 5 }), { maxLength: 30 }), (batches) => {
        let id = 0;
        const events = batches.flatMap((batch, seq) =>
          batch.map((spec, index) => ({ event: toEvent(spec, id++), seq: seq + 1, index })),
        );
        expect(foldEvents(events)).toEqual(recomputeUsage({ events, sources }));
      }),
      { numRuns: 300 },
    );
  });
});
