import { encodeMessage } from "@lumen/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Aggregator } from "../aggregator";
import { testClickHouses } from "../testing/clickhouse-drivers";
import { eventually, usageEvent } from "../testing/events";
import { startTestPipeline, type TestPipeline } from "../testing/harness";

const PARTITIONS = 6;
const CUSTOMERS = Array.from({ length: 12 }, (_, i) => `t-${i}`);

describe.each(testClickHouses())("two aggregators ($name ClickHouse)", (driver) => {
  let pipeline: TestPipeline;
  let first: Aggregator;
  let second: Aggregator;
  const expected = new Map<string, number>();
  const lastSeq = new Map<number, number>();

  beforeAll(async () => {
    pipeline = await startTestPipeline({ driver, partitions: PARTITIONS });
  });
  afterAll(() => pipeline.dispose());

  async function trackRound(round: number): Promise<void> {
    for (const customer of CUSTOMERS) {
      const events = [1, 2].map((value) =>
        usageEvent({ customer, value, idempotencyKey: `${customer}-${round}-${value}` }),
      );
      // Every event twice: the repeats carry the same keys and must not count.
      const seq = await pipeline.track([...events, ...events.map((e) => usageEvent({ ...e, id: `${e.id}r` }))]);
      expected.set(customer, (expected.get(customer) ?? 0) + 3);
      lastSeq.set(pipeline.partitionOf(customer), seq);
    }
  }

  async function expectExactCounts(aggregators: Aggregator[]): Promise<void> {
    for (const [partition, seq] of lastSeq) await pipeline.applied(aggregators, partition, seq);
    for (const [customer, total] of expected) {
      expect(await pipeline.values(customer)).toEqual({ "api-calls": total });
    }
  }

  it("split the partitions fairly", async () => {
    first = await pipeline.startAggregator();
    await eventually(() => expect(first.running()).toHaveLength(PARTITIONS));
    await trackRound(1);
    await expectExactCounts([first]);
    second = await pipeline.startAggregator();
    await eventually(() => {
      expect(first.running()).toHaveLength(3);
      expect(second.running()).toHaveLength(3);
    });
    expect([...first.running(), ...second.running()].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    await trackRound(2);
    await expectExactCounts([first, second]);
  });

  it("take over a dead aggregator's partitions within seconds, with exact counts", async () => {
    await trackRound(3);
    await first.kill();
    const killedAt = Date.now();
    await trackRound(4);
    await eventually(() => expect(second.running()).toHaveLength(PARTITIONS), 10_000);
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    await expectExactCounts([second]);
    const current = await pipeline.currentUsage(CUSTOMERS[0]!);
    expect(current.counters[0]?.value).toBe(expected.get(CUSTOMERS[0]!));
  });

  it("stops a partition at once when its lease is taken, and counts exactly after winning it back", async () => {
    const partition = second.running()[0]!;
    const leases = await pipeline.fixture.nats.jetstream().views.kv(pipeline.fixture.names.buckets.leases);
    await leases.put(`p${partition}`, encodeMessage({ owner: "intruder", expires: Date.now() + 1_000 }));
    await eventually(() => expect(second.running()).not.toContain(partition), 3_000);
    await trackRound(5);
    await eventually(() => expect(second.running()).toHaveLength(PARTITIONS), 10_000);
    await expectExactCounts([second]);
  });
});
