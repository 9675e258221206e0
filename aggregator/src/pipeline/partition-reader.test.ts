import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Aggregator } from "../aggregator";
import { testClickHouses } from "../testing/clickhouse-drivers";
import { eventually, usageEvent } from "../testing/events";
import { startTestPipeline, type TestPipeline } from "../testing/harness";

describe.each(testClickHouses())("a partition whose stream consumer goes away ($name)", (driver) => {
  let pipeline: TestPipeline;
  let aggregator: Aggregator;

  beforeAll(async () => {
    pipeline = await startTestPipeline({ driver, partitions: 1 });
    aggregator = await pipeline.startAggregator();
    await eventually(() => expect(aggregator.running()).toEqual([0]));
  });
  afterAll(() => pipeline.dispose());

  it("restarts from its checkpoint and counts exactly", async () => {
    await pipeline.applied([aggregator], 0, await pipeline.track([usageEvent({ customer: "r1", value: 2 })]));
    const jsm = await pipeline.fixture.nats.jetstreamManager();
    const stream = pipeline.fixture.names.eventsStream;
    for await (const consumer of jsm.consumers.list(stream)) await jsm.consumers.delete(stream, consumer.name);
    const seq = await pipeline.track([usageEvent({ customer: "r1", value: 3, idempotencyKey: "x" })]);
    await pipeline.track([usageEvent({ customer: "r1", value: 3, idempotencyKey: "x" })]);
    await pipeline.applied([aggregator], 0, seq + 1);
    expect(await pipeline.values("r1")).toEqual({ "api-calls": 5 });
  });
});
