import {
  type CurrentUsageRequest,
  customerKey,
  decodeMessage,
  encodeMessage,
  type LumenEnv,
  partitionOf,
  QUERY_OPERATIONS,
  type UsageEvent,
  type UsageSnapshot,
} from "@lumen/core";
import { pino } from "pino";
import { type Aggregator, type AggregatorOptions, startAggregator } from "../aggregator";
import type { ClickHouse } from "../clickhouse";
import { TEST_CATALOG } from "./catalog";
import type { TestClickHouse } from "./clickhouse-drivers";
import { eventually } from "./events";
import { createNatsFixture, type NatsFixture } from "./nats-fixture";

/** Short leases and flushes, so that takeovers and snapshots happen within a test's patience. */
export const FAST_OWNERSHIP = { tickMs: 100, leaseMs: 1_500, fenceMs: 900, memberLiveMs: 600 };

export interface TestPipeline {
  fixture: NatsFixture;
  clickhouse: ClickHouse;
  partitions: number;
  /** Starts an aggregator on a NATS connection of its own. */
  startAggregator(options?: Partial<AggregatorOptions>): Promise<Aggregator>;
  /** Publishes events as one batch to their customer's partition; returns the stream sequence. */
  track(events: UsageEvent[]): Promise<number>;
  /** Waits until some running aggregator has applied the partition up to `seq`. */
  applied(aggregators: Aggregator[], partition: number, seq: number): Promise<void>;
  /** The customer's snapshot in the balances bucket. */
  snapshot(customer: string, env?: LumenEnv): Promise<UsageSnapshot | null>;
  /** The customer's counters as `feature/entity` → value, from the balances bucket. */
  values(customer: string): Promise<Record<string, number>>;
  request<T>(subject: string, payload: unknown, timeoutMs?: number): Promise<T>;
  currentUsage(customer: string): Promise<UsageSnapshot>;
  partitionOf(customer: string): number;
  dispose(): Promise<void>;
}

export async function startTestPipeline({
  driver,
  partitions = 4,
  streamMaxAgeMs,
}: {
  driver: TestClickHouse;
  partitions?: number;
  streamMaxAgeMs?: number;
}): Promise<TestPipeline> {
  const fixture = await createNatsFixture({ partitions, ...(streamMaxAgeMs ? { maxAgeMs: streamMaxAgeMs } : {}) });
  await fixture.putCatalog(TEST_CATALOG);
  const clickhouse = await driver.open();
  const aggregators: Aggregator[] = [];
  const balances = await fixture.nats.jetstream().views.kv(fixture.names.buckets.balances, { history: 1 });
  const logger = pino({ level: process.env.LUMEN_TEST_LOG ?? "silent" });
  const pipeline: TestPipeline = {
    fixture,
    clickhouse,
    partitions,
    async startAggregator(options = {}) {
      const nats = await fixture.connect("lumen-test-aggregator");
      const aggregator = await startAggregator({
        nats,
        clickhouse,
        names: fixture.names,
        partitions,
        logger,
        ownership: FAST_OWNERSHIP,
        flush: { lingerMs: 10 },
        ...options,
      });
      aggregators.push(aggregator);
      return aggregator;
    },
    async track(events) {
      const first = events[0]!;
      return fixture.publish(partitionOf(first.env, first.customer, partitions), events);
    },
    async applied(candidates, partition, seq) {
      await eventually(() => {
        const done = candidates.some((aggregator) => (aggregator.appliedSeq(partition) ?? 0) >= seq);
        if (!done) throw new Error(`partition ${partition} not applied up to ${seq}`);
      }, 20_000);
    },
    async snapshot(customer, env = "test") {
      const entry = await balances.get(customerKey(env, customer));
      return entry?.operation === "PUT" ? decodeMessage<UsageSnapshot>(entry.value) : null;
    },
    async values(customer) {
      const snapshot = await pipeline.snapshot(customer);
      return valuesOf(snapshot);
    },
    async request<T>(subject: string, payload: unknown, timeoutMs = 10_000) {
      const reply = await fixture.nats.request(subject, encodeMessage(payload), { timeout: timeoutMs });
      return decodeMessage<T>(reply.data);
    },
    async currentUsage(customer) {
      const request: CurrentUsageRequest = { env: "test", customer };
      const subject = fixture.names.ownerSubject(pipeline.partitionOf(customer), QUERY_OPERATIONS.currentUsage);
      return pipeline.request<UsageSnapshot>(subject, request);
    },
    partitionOf: (customer) => partitionOf("test", customer, partitions),
    async dispose() {
      for (const aggregator of aggregators) await aggregator.kill().catch(() => {});
      await fixture.dispose();
      await driver.dispose();
    },
  };
  return pipeline;
}

/** Counters as `feature` or `feature/entity` → value. */
export function valuesOf(snapshot: UsageSnapshot | null): Record<string, number> {
  const values: Record<string, number> = {};
  for (const counter of snapshot?.counters ?? []) {
    values[counter.entity === null ? counter.feature : `${counter.feature}/${counter.entity}`] = counter.value;
  }
  return values;
}
