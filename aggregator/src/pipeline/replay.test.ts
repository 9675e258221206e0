import { type PeriodTotalsResult, QUERY_OPERATIONS } from "@lumen/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Aggregator } from "../aggregator";
import { testClickHouses } from "../testing/clickhouse-drivers";
import { eventually, usageEvent } from "../testing/events";
import { startTestPipeline, type TestPipeline } from "../testing/harness";

describe.each(testClickHouses())("a crash between the ClickHouse write and the checkpoint ($name)", (driver) => {
  let pipeline: TestPipeline;

  beforeAll(async () => {
    pipeline = await startTestPipeline({ driver, partitions: 2 });
  });
  afterAll(() => pipeline.dispose());

  it("replays the batch and counts it once", async () => {
    let crashed: Aggregator | null = null;
    let crashes = 0;
    crashed = await pipeline.startAggregator({
      hooks: {
        beforeCheckpoint: async (work) => {
          if (![...work.changed].some((usage) => usage.customer === "crashy") || crashes++ > 0) return;
          await crashed?.kill();
          throw new Error("crashed after the write, before the checkpoint");
        },
      },
    });
    await eventually(() => expect(crashed?.running()).toHaveLength(2));
    const events = [
      usageEvent({ customer: "crashy", value: 2, idempotencyKey: "a" }),
      usageEvent({ customer: "crashy", event: "login", properties: { user: "u1" }, entity: "e1" }),
      usageEvent({ customer: "crashy", value: 5, idempotencyKey: "a" }),
    ];
    const seq = await pipeline.track(events);
    await eventually(() => expect(crashes).toBe(1));
    // Snapshots leave as soon as the counters take the flush: the one published before the crash already shows
    // what the replay will confirm.
    expect(await pipeline.values("crashy")).toEqual({ "api-calls": 2, users: 1, "users/e1": 1 });

    const survivor = await pipeline.startAggregator();
    await pipeline.applied([survivor], pipeline.partitionOf("crashy"), seq);
    expect(await pipeline.values("crashy")).toEqual({ "api-calls": 2, users: 1, "users/e1": 1 });
    const later = await pipeline.track([usageEvent({ customer: "crashy", value: 1, idempotencyKey: "a" })]);
    await pipeline.applied([survivor], pipeline.partitionOf("crashy"), later);
    expect(await pipeline.values("crashy")).toEqual({ "api-calls": 2, users: 1, "users/e1": 1 });
    const totals = await pipeline.request<PeriodTotalsResult>(
      pipeline.fixture.names.querySubject(QUERY_OPERATIONS.periodTotals),
      { env: "test", customer: "crashy", from: 0, to: Date.now() + 60_000, waitUntil: null },
    );
    expect(totals.totals).toEqual([
      { feature: "api-calls", entity: null, value: 2 },
      { feature: "users", entity: null, value: 1 },
      { feature: "users", entity: "e1", value: 1 },
    ]);
  });
});
