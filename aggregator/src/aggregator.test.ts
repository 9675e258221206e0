import { decodeMessage, type UsageSnapshot } from "@lumen/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Aggregator } from "./aggregator";
import { testDefinition } from "./testing/catalog";
import { testClickHouses } from "./testing/clickhouse-drivers";
import { eventually, usageEvent } from "./testing/events";
import { startTestPipeline, type TestPipeline, valuesOf } from "./testing/harness";

const DAY = 86_400_000;

describe.each(testClickHouses())("aggregator ($name ClickHouse)", (driver) => {
  let pipeline: TestPipeline;
  let aggregator: Aggregator;

  beforeAll(async () => {
    pipeline = await startTestPipeline({ driver });
    aggregator = await pipeline.startAggregator();
    await eventually(() => expect(aggregator.running()).toHaveLength(pipeline.partitions));
  });
  afterAll(() => pipeline.dispose());

  /** Publishes batches for one customer and waits until they are applied. */
  async function track(...batches: Parameters<typeof usageEvent>[0][][]): Promise<void> {
    let seq = 0;
    for (const batch of batches) seq = await pipeline.track(batch.map((fields) => usageEvent(fields)));
    const customer = batches[0]![0]!.customer!;
    await pipeline.applied([aggregator], pipeline.partitionOf(customer), seq);
  }

  it("counts events once and publishes the snapshot on the balances subject and in KV", async () => {
    const { names } = pipeline.fixture;
    const received: UsageSnapshot[] = [];
    const subscription = pipeline.fixture.nats.subscribe(names.balancesSubject("test", "c-basic"), {
      callback: (_error, message) => received.push(decodeMessage<UsageSnapshot>(message.data)),
    });
    await track(
      [
        { customer: "c-basic", value: 2 },
        { customer: "c-basic", value: 3 },
      ],
      [{ customer: "c-basic", value: 0.5 }],
    );
    expect(await pipeline.values("c-basic")).toEqual({ "api-calls": 5.5 });
    await eventually(() => expect(valuesOf(received.at(-1) ?? null)).toEqual({ "api-calls": 5.5 }));
    expect(received.map((snapshot) => snapshot.seq)).toEqual([...received.map((s) => s.seq)].sort((a, b) => a - b));
    subscription.unsubscribe();
  });

  it("does not count a repeated idempotency key, in a batch, across batches, or again after a restart", async () => {
    await track(
      [
        { customer: "c-keys", idempotencyKey: "k1" },
        { customer: "c-keys", idempotencyKey: "k1" },
      ],
      [
        { customer: "c-keys", idempotencyKey: "k1", value: 5 },
        { customer: "c-keys", idempotencyKey: "k2" },
      ],
    );
    expect(await pipeline.values("c-keys")).toEqual({ "api-calls": 2 });
    await aggregator.stop();
    aggregator = await pipeline.startAggregator();
    await eventually(() => expect(aggregator.running()).toHaveLength(pipeline.partitions));
    await track([
      { customer: "c-keys", idempotencyKey: "k1" },
      { customer: "c-keys", idempotencyKey: "k3", value: 4 },
    ]);
    expect(await pipeline.values("c-keys")).toEqual({ "api-calls": 6 });
    expect((await pipeline.currentUsage("c-keys")).counters).toEqual([
      expect.objectContaining({ feature: "api-calls", entity: null, value: 6 }),
    ]);
  });

  it("applies meters with filters and every aggregation, per entity and per customer", async () => {
    const t = Date.parse("2026-05-10T10:00:00.000Z");
    await track(
      [
        {
          customer: "c-meters",
          event: "message",
          entity: "u1",
          properties: { model: "gpt-5", tokens: 100 },
          timestamp: t,
        },
        {
          customer: "c-meters",
          event: "message",
          entity: "u2",
          properties: { model: "mini", tokens: 2.5 },
          timestamp: t,
        },
        { customer: "c-meters", event: "message", value: -1, properties: { model: "o3" }, timestamp: t + 1 },
        { customer: "c-meters", feature: "premium", value: -1, timestamp: t + 2 },
        { customer: "c-meters", event: "upload", properties: { bytes: 40 }, timestamp: t },
        { customer: "c-meters", event: "upload", properties: { bytes: -3 }, timestamp: t + 5 },
      ],
      [
        { customer: "c-meters", event: "reading", value: 21.5, timestamp: t + 10 },
        { customer: "c-meters", event: "reading", value: -2, timestamp: t + 3 },
        { customer: "c-meters", event: "login", entity: "u1", properties: { user: "ann" }, timestamp: t },
        { customer: "c-meters", event: "login", entity: "u2", properties: { user: "ann" }, timestamp: t },
        { customer: "c-meters", event: "login", entity: "u2", properties: { user: "bob" }, timestamp: t },
        { customer: "c-meters", feature: "seats", value: 3, entity: "team-a", timestamp: t },
        { customer: "c-meters", feature: "seats", value: -1, entity: "team-a", timestamp: t + 1 },
      ],
    );
    expect(await pipeline.values("c-meters")).toEqual({
      messages: 3,
      "messages/u1": 1,
      "messages/u2": 1,
      premium: 1,
      "premium/u1": 1,
      tokens: 102.5,
      "tokens/u1": 100,
      "tokens/u2": 2.5,
      peak: 40,
      temperature: 21.5,
      users: 2,
      "users/u1": 1,
      "users/u2": 2,
      seats: 2,
      "seats/team-a": 2,
    });
    const seats = (await pipeline.snapshot("c-meters"))?.counters.find((c) => c.feature === "seats");
    expect(seats).toMatchObject({ periodStart: 0, periodEnd: null });
  });

  it("resets counters on the customer's schedule, and a new schedule applies from then on", async () => {
    const anchor = "2026-04-01T06:00:00.000Z";
    await pipeline.fixture.putDefinition(
      testDefinition({ customer: "c-periods", billingPeriod: { interval: "day", anchor } }),
    );
    const boundary = Date.parse("2026-04-03T06:00:00.000Z");
    await eventually(async () => {
      await track([{ customer: "c-periods", timestamp: boundary - 1, value: 0 }]);
      const counter = (await pipeline.snapshot("c-periods"))?.counters[0];
      expect(counter?.periodStart).toBe(boundary - DAY);
    });
    await track([{ customer: "c-periods", timestamp: boundary - 2, value: 4 }]);
    expect(await pipeline.values("c-periods")).toEqual({ "api-calls": 4 });
    await track(
      [{ customer: "c-periods", timestamp: boundary, value: 7 }],
      [{ customer: "c-periods", timestamp: boundary - 5, value: 100 }],
    );
    expect((await pipeline.snapshot("c-periods"))?.counters).toEqual([
      { feature: "api-calls", entity: null, periodStart: boundary, periodEnd: boundary + DAY, value: 7 },
    ]);
    await pipeline.fixture.putDefinition(
      testDefinition({ customer: "c-periods", billingPeriod: { interval: "month", anchor }, version: 2 }),
    );
    const april = Date.parse("2026-04-01T06:00:00.000Z");
    await eventually(async () => {
      await track([{ customer: "c-periods", timestamp: boundary + 1, value: 0 }]);
      expect((await pipeline.snapshot("c-periods"))?.counters[0]?.periodStart).toBe(april);
    });
    await track([{ customer: "c-periods", timestamp: boundary + 2, value: 1 }]);
    expect(await pipeline.values("c-periods")).toEqual({ "api-calls": 1 });
  });
});
