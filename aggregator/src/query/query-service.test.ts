import {
  type EventsPage,
  type EventsRequest,
  type PeriodTotalsRequest,
  type PeriodTotalsResult,
  QUERY_OPERATIONS,
  type QueryError,
  type ReadingsRequest,
  type ReadingsResult,
  type TimeseriesRequest,
  type TimeseriesResult,
} from "@lumen/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Aggregator } from "../aggregator";
import { testClickHouses } from "../testing/clickhouse-drivers";
import { eventually, usageEvent } from "../testing/events";
import { startTestPipeline, type TestPipeline } from "../testing/harness";

const HOUR = 3_600_000;
const T = Date.parse("2026-02-27T22:30:00.000Z");

describe.each(testClickHouses())("query service ($name ClickHouse)", (driver) => {
  let pipeline: TestPipeline;
  let aggregator: Aggregator;
  const ids: string[] = [];
  let newestFirst: string[] = [];
  const subject = (operation: string) => pipeline.fixture.names.querySubject(operation);

  beforeAll(async () => {
    pipeline = await startTestPipeline({ driver });
    aggregator = await pipeline.startAggregator({ periodTotalsTimeoutMs: 1_500 });
    await eventually(() => expect(aggregator.running()).toHaveLength(pipeline.partitions));
    const events = [
      usageEvent({ customer: "q1", value: 2, timestamp: T }),
      usageEvent({ customer: "q1", value: 3, timestamp: T + HOUR, idempotencyKey: "once" }),
      usageEvent({ customer: "q1", value: 4, timestamp: T + 2 * HOUR, entity: "e1" }),
      usageEvent({ customer: "q1", value: 9, timestamp: T + 2 * HOUR + 1, idempotencyKey: "once" }),
      usageEvent({ customer: "q1", event: "upload", properties: { bytes: 50 }, timestamp: T + 24 * HOUR }),
      usageEvent({ customer: "q1", feature: "seats", value: 2, timestamp: T }),
      usageEvent({ customer: "q1", feature: "seats", value: 1, timestamp: T + 48 * HOUR }),
    ];
    ids.push(...events.map((event) => event.id));
    newestFirst = [...events]
      .sort((a, b) => b.timestamp - a.timestamp || (a.id < b.id ? 1 : -1))
      .map((event) => event.id);
    const seq = await pipeline.track(events);
    await pipeline.applied([aggregator], pipeline.partitionOf("q1"), seq);
  });
  afterAll(() => pipeline.dispose());

  it("answers the owner's current usage from memory", async () => {
    const snapshot = await pipeline.currentUsage("q1");
    expect(snapshot).toMatchObject({ env: "test", customer: "q1", partition: pipeline.partitionOf("q1") });
    expect(snapshot.counters.find((c) => c.feature === "api-calls" && c.entity === null)?.value).toBe(9);
    expect((await pipeline.currentUsage("nobody")).counters).toEqual([]);
  });

  it("sums the rollups per hour, day or month, zero where empty", async () => {
    const request = (granularity: TimeseriesRequest["granularity"], from: number, to: number) =>
      pipeline.request<TimeseriesResult>(subject(QUERY_OPERATIONS.timeseries), {
        env: "test",
        customer: "q1",
        feature: "api-calls",
        entity: null,
        from,
        to,
        granularity,
      } satisfies TimeseriesRequest);
    const hours = await request("hour", T - 30 * 60_000, T + 3 * HOUR);
    expect(hours.points.map((p) => p.value)).toEqual([2, 3, 4, 0]);
    expect(hours.points[0]?.start).toBe(T - 30 * 60_000);
    const days = await request("day", Date.parse("2026-02-27"), Date.parse("2026-03-02"));
    expect(days.points.map((p) => [new Date(p.start).toISOString().slice(0, 10), p.value])).toEqual([
      ["2026-02-27", 5],
      ["2026-02-28", 4],
      ["2026-03-01", 0],
    ]);
    const months = await request("month", Date.parse("2026-01-15"), Date.parse("2026-04-01"));
    expect(months.points.map((p) => p.value)).toEqual([0, 9, 0]);
  });

  it("reports a gauge's level at the end of each bucket", async () => {
    const levels = await pipeline.request<TimeseriesResult>(subject(QUERY_OPERATIONS.timeseries), {
      env: "test",
      customer: "q1",
      feature: "seats",
      entity: null,
      from: Date.parse("2026-02-28"),
      to: Date.parse("2026-03-03"),
      granularity: "day",
    } satisfies TimeseriesRequest);
    expect(levels.points.map((p) => p.value)).toEqual([2, 3, 3]);
  });

  it("pages raw events newest first, marking the repeated key", async () => {
    const page = (startingAfter: string | null, feature: string | null = null) =>
      pipeline.request<EventsPage>(subject(QUERY_OPERATIONS.events), {
        env: "test",
        customer: "q1",
        feature,
        from: null,
        to: null,
        limit: 3,
        startingAfter,
      } satisfies EventsRequest);
    const first = await page(null);
    expect(first.hasMore).toBe(true);
    expect(first.data.map((e) => e.id)).toEqual(newestFirst.slice(0, 3));
    expect(first.data.find((e) => e.id === ids[3])).toMatchObject({
      counted: false,
      features: [],
      idempotencyKey: "once",
    });
    expect(first.data.find((e) => e.id === ids[4])).toMatchObject({
      counted: true,
      features: ["peak"],
      event: "upload",
    });
    const second = await page(first.data[2]!.id);
    expect(second.data.map((e) => e.id)).toEqual(newestFirst.slice(3, 6));
    const third = await page(second.data[2]!.id);
    expect(third).toEqual({ data: [expect.objectContaining({ id: newestFirst[6] })], hasMore: false });
    expect((await page(null, "peak")).data.map((e) => e.id)).toEqual([ids[4]]);
  });

  it("totals a period once the watermark has passed, per feature and entity", async () => {
    const request: PeriodTotalsRequest = {
      env: "test",
      customer: "q1",
      from: T,
      to: T + 2 * HOUR,
      waitUntil: Date.now() - 1_000,
    };
    const result = await pipeline.request<PeriodTotalsResult>(subject(QUERY_OPERATIONS.periodTotals), request);
    expect(result.totals).toEqual([
      { feature: "api-calls", entity: null, value: 5 },
      { feature: "seats", entity: null, value: 2 },
    ]);
    expect(result.watermark).toBeGreaterThanOrEqual(request.waitUntil!);
    const wider = await pipeline.request<PeriodTotalsResult>(subject(QUERY_OPERATIONS.periodTotals), {
      ...request,
      to: T + 72 * HOUR,
    });
    expect(wider.totals).toEqual([
      { feature: "api-calls", entity: null, value: 9 },
      { feature: "peak", entity: null, value: 50 },
      { feature: "seats", entity: null, value: 3 },
      { feature: "api-calls", entity: "e1", value: 4 },
    ]);
  });

  it("groups a feature's counted readings by value, for percentage prices", async () => {
    const request: ReadingsRequest = {
      env: "test",
      customer: "q1",
      feature: "api-calls",
      from: T,
      to: T + 72 * HOUR,
      waitUntil: Date.now() - 1_000,
    };
    const result = await pipeline.request<ReadingsResult>(subject(QUERY_OPERATIONS.readings), request);
    // The repeat of the key "once" (9) is not counted.
    expect(result.readings).toEqual([
      { value: 2, count: 1 },
      { value: 3, count: 1 },
      { value: 4, count: 1 },
    ]);
    const peak = await pipeline.request<ReadingsResult>(subject(QUERY_OPERATIONS.readings), {
      ...request,
      feature: "peak",
    });
    expect(peak.readings).toEqual([{ value: 50, count: 1 }]);
    const before = await pipeline.request<ReadingsResult>(subject(QUERY_OPERATIONS.readings), {
      ...request,
      from: T - HOUR,
      to: T,
    });
    expect(before.readings).toEqual([]);
  });

  it("waits for the watermark to pass a moment just ahead", async () => {
    const waitUntil = Date.now() + 200;
    const result = await pipeline.request<PeriodTotalsResult>(subject(QUERY_OPERATIONS.periodTotals), {
      env: "test",
      customer: "q1",
      from: T,
      to: T + HOUR,
      waitUntil,
    } satisfies PeriodTotalsRequest);
    expect(result.watermark).toBeGreaterThanOrEqual(waitUntil);
    expect(result.totals).toEqual([
      { feature: "api-calls", entity: null, value: 2 },
      { feature: "seats", entity: null, value: 2 },
    ]);
  });

  it("answers failures with a QueryError, never silence", async () => {
    const future = await pipeline.request<QueryError>(subject(QUERY_OPERATIONS.periodTotals), {
      env: "test",
      customer: "q1",
      from: T,
      to: T + HOUR,
      waitUntil: Date.now() + 60_000,
    });
    expect(future.error.code).toBe("timeout");
    const invalid = await pipeline.request<QueryError>(subject(QUERY_OPERATIONS.timeseries), { env: "prod" });
    expect(invalid.error).toEqual({ code: "validation_error", message: "env must be 'test' or 'live'" });
    const garbage = await pipeline.fixture.nats.request(subject(QUERY_OPERATIONS.events), new Uint8Array([0xc1]));
    expect(garbage.data.length).toBeGreaterThan(0);
    const unknownCursor = await pipeline.request<QueryError>(subject(QUERY_OPERATIONS.events), {
      env: "test",
      customer: "q1",
      feature: null,
      from: null,
      to: null,
      limit: 5,
      startingAfter: "evt_missing",
    });
    expect(unknownCursor.error.code).toBe("validation_error");
  });
});
