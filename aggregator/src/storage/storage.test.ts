import { recomputeUsage } from "@lumen/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClickHouse } from "../clickhouse";
import { idempotencyHash } from "../dedup/key-hash";
import { recoverPartition } from "../pipeline/recover-partition";
import { fixedSources, testDefinition } from "../testing/catalog";
import { testClickHouses } from "../testing/clickhouse-drivers";
import { usageEvent } from "../testing/events";
import { DirectFlusher } from "../testing/flush-directly";
import { readCheckpoint } from "./checkpoints";
import { fullKey, lookupKeyOccurrences } from "./idempotency-store";
import { pruneIdempotencyKeys } from "./prune-keys";
import { readEventsAfter } from "./raw-events";
import { rebuildCounters } from "./rebuild-counters";
import { ensureSchema } from "./schema";

const T0 = Date.parse("2026-03-31T23:58:30.000Z");
const sources = fixedSources([
  testDefinition({ customer: "daily", billingPeriod: { interval: "day", anchor: "2026-01-01T23:59:00.000Z" } }),
]);

/** The counters of the test's customers, keyed as `recomputeUsage` keys them. */
function countersOf(store: DirectFlusher["counters"], partition: number) {
  const flat = new Map<string, unknown>();
  for (const customer of ["acme", "daily", "zeta"]) {
    const usage = store.find(partition, "test", customer);
    for (const [key, counter] of usage?.counters ?? []) flat.set(`test\u0000${customer}\u0000${key}`, counter);
  }
  return flat;
}

describe.each(testClickHouses())("ClickHouse storage ($name)", (driver) => {
  let clickhouse: ClickHouse;

  beforeAll(async () => {
    clickhouse = await driver.open();
    await ensureSchema(clickhouse);
    await ensureSchema(clickhouse);
  });
  afterAll(() => driver.dispose());

  it("writes a flush, checkpoints it, and rebuilds the same counters from the rollups", async () => {
    const flusher = new DirectFlusher(clickhouse, sources);
    const events = [
      usageEvent({ customer: "acme", feature: "api-calls", value: 2.5, timestamp: T0 }),
      usageEvent({ customer: "acme", event: "message", properties: { model: "gpt-5", tokens: 10 }, timestamp: T0 + 1 }),
      usageEvent({ customer: "acme", event: "upload", entity: "u1", properties: { bytes: 7 }, timestamp: T0 + 2 }),
      usageEvent({ customer: "acme", event: "login", entity: "u1", properties: { user: "a" }, timestamp: T0 + 3 }),
      usageEvent({
        customer: "daily",
        event: "login",
        entity: "u2",
        properties: { user: "b" },
        timestamp: T0 + 40_000,
      }),
      usageEvent({ customer: "daily", feature: "seats", value: 3, timestamp: T0 + 100_000 }),
    ];
    const late = [
      usageEvent({ customer: "daily", event: "reading", value: -4, timestamp: T0 + 120_000 }),
      usageEvent({ customer: "daily", event: "reading", value: 9, timestamp: T0 - 50_000 }),
      usageEvent({ customer: "acme", feature: "api-calls", value: -1, timestamp: T0 + 5 }),
    ];
    await flusher.flush([
      { partition: 1, seq: 10, events },
      { partition: 1, seq: 12, events: late },
    ]);
    expect(await readCheckpoint(clickhouse, 1)).toBe(12);
    const expected = recomputeUsage({
      events: [
        ...events.map((event, index) => ({ event, seq: 10, index })),
        ...late.map((event, index) => ({ event, seq: 12, index })),
      ],
      sources,
    });
    expect(expected.size).toBe(12);
    expect(countersOf(flusher.counters, 1)).toEqual(expected);
    const rebuilt = new DirectFlusher(clickhouse, sources);
    rebuilt.counters.replacePartition(1, await rebuildCounters(clickhouse, 1));
    expect(countersOf(rebuilt.counters, 1)).toEqual(expected);
    // acme's only `peak` event had an entity: its customer-wide counter must still be an object of its own.
    const acme = rebuilt.counters.find(1, "test", "acme")!;
    expect(acme.counters.get("peak")).not.toBe(acme.counters.get("peak\u0000u1"));
  });

  it("completes a flush written without its checkpoint, and writing its rollups twice adds nothing", async () => {
    const flusher = new DirectFlusher(clickhouse, sources);
    const events = [1, 2, 3].map((value) => usageEvent({ customer: "zeta", value, timestamp: T0 }));
    await flusher.flush([{ partition: 2, seq: 5, events }], { checkpoint: false });
    expect(await readCheckpoint(clickhouse, 2)).toBe(0);
    expect(await readEventsAfter({ clickhouse, partition: 2, afterSeq: 0 })).toHaveLength(3);
    const first = await recoverPartition({ clickhouse, partition: 2, writtenAt: 1 });
    const second = await recoverPartition({ clickhouse, partition: 2, writtenAt: 2 });
    expect(first.seq).toBe(5);
    expect(first.repaired).toEqual(new Set(["test\u0000zeta"]));
    expect(second.repaired.size).toBe(0);
    expect(second.customers.get("test\u0000zeta")?.counters.get("api-calls")).toMatchObject({ events: 3, sum: 6 });
  });

  it("finds idempotency keys by hash and checks them in full", async () => {
    const flusher = new DirectFlusher(clickhouse, sources);
    await flusher.flush([{ partition: 3, seq: 1, events: [usageEvent({ customer: "acme", idempotencyKey: "k-1" })] }]);
    const hashes = new Set([idempotencyHash("test", "acme", "k-1"), idempotencyHash("test", "acme", "k-2")]);
    const found = await lookupKeyOccurrences({ clickhouse, partitions: new Set([3]), hashes, since: Date.now() });
    expect([...found.keys()]).toEqual([fullKey("test", "acme", "k-1")]);
    expect(found.get(fullKey("test", "acme", "k-1"))).toEqual([{ seq: 1, index: 0, receivedAt: expect.any(Number) }]);
  });

  it("drops idempotency keys only once they are past the window", async () => {
    const day = 86_400_000;
    const now = Date.parse("2026-09-01T00:00:00.000Z");
    const old = usageEvent({ customer: "acme", idempotencyKey: "old", receivedAt: now - 120 * day });
    const recent = usageEvent({ customer: "acme", idempotencyKey: "recent", receivedAt: now - 36 * day });
    const flusher = new DirectFlusher(clickhouse, sources);
    await flusher.flush([{ partition: 4, seq: 1, events: [old, recent] }]);
    expect(await pruneIdempotencyKeys({ clickhouse, now, replayMs: 7 * day })).toHaveLength(1);
    const keys = await clickhouse.query<{ key: string }>("SELECT key FROM idempotency_keys WHERE partition = 4");
    expect(keys).toEqual([{ key: "recent" }]);
  });
});
