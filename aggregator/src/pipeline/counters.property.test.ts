import {
  aggregationOf,
  counterValue,
  type PositionedEvent,
  recomputeUsage,
  type UsageEvent,
  type UsageSnapshot,
} from "@lumen/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Aggregator } from "../aggregator";
import { fixedSources, TEST_CATALOG, testDefinition } from "../testing/catalog";
import { testClickHouses } from "../testing/clickhouse-drivers";
import { eventually, usageEvent } from "../testing/events";
import { startTestPipeline, type TestPipeline } from "../testing/harness";

const RUNS = 6;
const DAY = 86_400_000;
const START = Date.parse("2026-06-29T12:00:00.000Z");
// Receive times are wall-clock times: the aggregator drops old keys and loads its filters relative to the real clock.
const RECEIVED_FROM = Date.now() - 81 * DAY;
const definitions = Array.from({ length: RUNS }, (_, run) =>
  testDefinition({ customer: `r${run}-daily`, billingPeriod: { interval: "day", anchor: "2026-01-01T18:00:00.000Z" } }),
);
const sources = fixedSources(definitions);

const eventSpec = fc.record({
  customer: fc.constantFrom("daily", "monthly"),
  kind: fc.constantFrom("api-calls", "seats", "message", "upload", "reading", "login"),
  entity: fc.constantFrom(null, "e1", "e2"),
  value: fc.integer({ min: -8, max: 12 }).map((n) => n / 4),
  model: fc.constantFrom("gpt-5", "mini"),
  number: fc.integer({ min: -5, max: 500 }),
  user: fc.constantFrom("u1", "u2", "u3"),
  offset: fc.integer({ min: 0, max: 3 * DAY }),
  // Receive times far enough apart that a repeated key falls outside the 35-day window as often as inside.
  receivedOffset: fc.constantFrom(0, DAY, 36 * DAY, 37 * DAY, 80 * DAY),
  key: fc.option(fc.constantFrom("k1", "k2", "k3"), { nil: null }),
});
type EventSpec = typeof eventSpec extends fc.Arbitrary<infer T> ? T : never;

function toEvent(run: number, spec: EventSpec): UsageEvent {
  const byFeature = spec.kind === "api-calls" || spec.kind === "seats";
  return usageEvent({
    customer: `r${run}-${spec.customer}`,
    feature: byFeature ? spec.kind : null,
    event: byFeature ? null : spec.kind,
    entity: spec.entity,
    value: spec.value,
    properties: { model: spec.model, tokens: spec.number, bytes: spec.number, user: spec.user },
    timestamp: START + spec.offset,
    receivedAt: RECEIVED_FROM + spec.receivedOffset,
    idempotencyKey: spec.key,
  });
}

/** Counters as `customer feature/entity` → [periodStart, periodEnd, value]. */
function flatten(snapshots: UsageSnapshot[]): Record<string, [number, number | null, number]> {
  const flat: Record<string, [number, number | null, number]> = {};
  for (const snapshot of snapshots) {
    for (const c of snapshot.counters) {
      flat[`${snapshot.customer} ${c.feature}/${c.entity ?? ""}`] = [c.periodStart, c.periodEnd, c.value];
    }
  }
  return flat;
}

function recomputed(events: PositionedEvent[]): Record<string, [number, number | null, number]> {
  const flat: Record<string, [number, number | null, number]> = {};
  for (const [key, counter] of recomputeUsage({ events, sources })) {
    const [, customer, feature, entity] = key.split("\u0000") as [string, string, string, string | undefined];
    const value = counterValue(counter, aggregationOf(TEST_CATALOG, feature));
    flat[`${customer} ${feature}/${entity ?? ""}`] = [counter.periodStart, counter.periodEnd, value];
  }
  return flat;
}

describe.each(testClickHouses())("counters for random streams ($name ClickHouse)", (driver) => {
  let pipeline: TestPipeline;
  let aggregator: Aggregator;
  const allEvents: PositionedEvent[] = [];
  const customers = new Set<string>();

  beforeAll(async () => {
    // A stream that keeps events for a year: events received weeks apart are all still in it, as the test needs.
    pipeline = await startTestPipeline({ driver, partitions: 3, streamMaxAgeMs: 365 * DAY });
    for (const definition of definitions) await pipeline.fixture.putDefinition(definition);
    aggregator = await pipeline.startAggregator();
    await eventually(() => expect(aggregator.running()).toHaveLength(3));
  });
  afterAll(() => pipeline.dispose());

  it("equal a straightforward recomputation from the raw events, live and rebuilt after a restart", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(eventSpec, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 8 }),
        async (batches) => {
          const events: PositionedEvent[] = [];
          const lastSeq = new Map<number, number>();
          for (const specs of batches) {
            for (const customer of ["daily", "monthly"]) {
              const batch = specs.filter((spec) => spec.customer === customer).map((spec) => toEvent(run, spec));
              if (batch.length === 0) continue;
              const seq = await pipeline.track(batch);
              lastSeq.set(pipeline.partitionOf(batch[0]!.customer), seq);
              events.push(...batch.map((event, index) => ({ event, seq, index })));
              customers.add(batch[0]!.customer);
            }
          }
          for (const [partition, seq] of lastSeq) await pipeline.applied([aggregator], partition, seq);
          const live = await Promise.all(
            [...new Set(events.map((e) => e.event.customer))].map((c) => pipeline.currentUsage(c)),
          );
          expect(flatten(live)).toEqual(recomputed(events));
          allEvents.push(...events);
          run++;
        },
      ),
      { numRuns: RUNS },
    );
    await aggregator.stop();
    aggregator = await pipeline.startAggregator();
    await eventually(() => expect(aggregator.running()).toHaveLength(3));
    const rebuilt = await Promise.all([...customers].map((customer) => pipeline.currentUsage(customer)));
    expect(flatten(rebuilt)).toEqual(recomputed(allEvents));
    const published = await Promise.all([...customers].map((customer) => pipeline.snapshot(customer)));
    expect(flatten(published.flatMap((s) => (s ? [s] : [])))).toEqual(recomputed(allEvents));

    // Everything sent again after the restart (an empty cache): repeated keys are found in ClickHouse.
    const lastSeq = new Map<number, number>();
    for (const { event } of [...allEvents]) {
      const copy = usageEvent({ ...event, id: `${event.id}-again` });
      const seq = await pipeline.track([copy]);
      lastSeq.set(pipeline.partitionOf(copy.customer), seq);
      allEvents.push({ event: copy, seq, index: 0 });
    }
    for (const [partition, seq] of lastSeq) await pipeline.applied([aggregator], partition, seq);
    const again = await Promise.all([...customers].map((customer) => pipeline.currentUsage(customer)));
    expect(flatten(again)).toEqual(recomputed(allEvents));
  });
});
