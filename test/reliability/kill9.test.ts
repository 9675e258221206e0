import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  customerKey,
  decodeMessage,
  encodeMessage,
  type PeriodTotalsResult,
  pipelineNames,
  QUERY_OPERATIONS,
  type UsageSnapshot,
} from "@lumen/core";
import { connectJetStream } from "@lumen/core/runtime";
import type { NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerKey } from "../../billing/src/keys/api-keys";
import { createTestDatabase, type TestDatabase } from "../support/database";
import { testNatsPrefix } from "../support/nats-prefix";
import { freePorts } from "../support/ports";
import { type Component, startComponent } from "../support/processes";

const KEY = "lum_sk_live_killninekey0000000001";
const CUSTOMERS = 10;
const BATCHES = 30;
const PER_BATCH = 100;

let database: TestDatabase;
let dataDir: string;
let nats: NatsConnection;
let env: Record<string, string>;
let ingestUrl: string;
let aggregatorHealth: string;
const running: Component[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  await registerKey(database.pool, KEY, "test");
  dataDir = await mkdtemp(join(tmpdir(), "lumen-kill9-"));
  const [ingestPort, aggregatorPort] = await freePorts(2);
  env = {
    DATABASE_URL: database.url,
    LUMEN_NATS_PREFIX: testNatsPrefix(),
    LUMEN_PARTITIONS: "4",
    LUMEN_HOST: "127.0.0.1",
    LUMEN_INGEST_PORT: String(ingestPort),
    LUMEN_AGGREGATOR_PORT: String(aggregatorPort),
    LUMEN_DATA_DIR: dataDir,
  };
  ingestUrl = `http://127.0.0.1:${ingestPort}`;
  aggregatorHealth = `http://127.0.0.1:${aggregatorPort}/healthz`;
  nats = await connectJetStream({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "kill9" });
});

afterAll(async () => {
  for (const component of running) await component.stop();
  const names = pipelineNames(env.LUMEN_NATS_PREFIX!);
  const jsm = await nats.jetstreamManager();
  for (const stream of [names.eventsStream, ...Object.values(names.buckets).map((bucket) => `KV_${bucket}`)]) {
    await jsm.streams.delete(stream).catch(() => {});
  }
  await nats.drain();
  await database.drop();
  await rm(dataDir, { recursive: true, force: true });
});

const start = async (name: "ingest" | "aggregator") => {
  const component = await startComponent({
    name,
    env,
    healthUrl: name === "ingest" ? `${ingestUrl}/healthz` : aggregatorHealth,
  });
  running.push(component);
  return component;
};

function batch(index: number) {
  return Array.from({ length: PER_BATCH }, (_, i) => {
    const n = index * PER_BATCH + i;
    return { customer: `c${n % CUSTOMERS}`, feature: "api-calls", idempotencyKey: `k${n}` };
  });
}

/** Sends one batch; true when ingest acknowledged it (every event durable). */
async function send(index: number): Promise<boolean> {
  try {
    const response = await fetch(`${ingestUrl}/v1/events/batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${KEY}`, "content-type": "application/json" },
      body: JSON.stringify({ events: batch(index) }),
    });
    const body = (await response.json()) as { accepted?: number };
    return response.status === 202 && body.accepted === PER_BATCH;
  } catch {
    return false;
  }
}

async function snapshotCount(customer: string): Promise<number> {
  const kv = await nats.jetstream().views.kv(pipelineNames(env.LUMEN_NATS_PREFIX!).buckets.balances);
  const entry = await kv.get(customerKey("live", customer));
  if (!entry || entry.value.length === 0) return 0;
  const snapshot = decodeMessage<UsageSnapshot>(entry.value);
  return snapshot.counters.find((c) => c.feature === "api-calls" && c.entity === null)?.value ?? 0;
}

describe("kill -9 under load", () => {
  it("counts every acknowledged event exactly once across crashes of ingest and the aggregator", async () => {
    let ingest = await start("ingest");
    let aggregator = await start("aggregator");
    const acknowledged = new Set<number>();
    for (let i = 0; i < 10; i++) if (await send(i)) acknowledged.add(i);

    // Crash ingest with a batch in flight, restart it, go on.
    const inFlight = send(10);
    await ingest.crash();
    if (await inFlight) acknowledged.add(10);
    ingest = await start("ingest");
    for (let i = 11; i < 20; i++) if (await send(i)) acknowledged.add(i);

    // Crash the aggregator; ingest keeps acknowledging into the stream meanwhile.
    await aggregator.crash();
    for (let i = 20; i < BATCHES; i++) if (await send(i)) acknowledged.add(i);
    aggregator = await start("aggregator");
    expect(acknowledged.size).toBeGreaterThanOrEqual(BATCHES - 1);

    // Every acknowledged event counts once, whatever was replayed.
    // Each batch holds PER_BATCH / CUSTOMERS events of every customer; an unacknowledged batch may have landed.
    const acknowledgedPerCustomer = acknowledged.size * (PER_BATCH / CUSTOMERS);
    await expect
      .poll(async () => snapshotCount("c0"), { timeout: 30_000, interval: 250 })
      .toBeGreaterThanOrEqual(acknowledgedPerCustomer);
    expect(await snapshotCount("c0")).toBeLessThanOrEqual(BATCHES * (PER_BATCH / CUSTOMERS));

    // Resending everything with the same keys changes nothing beyond the events that were never acknowledged.
    for (let i = 0; i < BATCHES; i++) expect(await send(i)).toBe(true);
    const total = BATCHES * (PER_BATCH / CUSTOMERS);
    for (let customer = 0; customer < CUSTOMERS; customer++) {
      await expect.poll(async () => snapshotCount(`c${customer}`), { timeout: 30_000, interval: 250 }).toBe(total);
    }
    await new Promise((r) => setTimeout(r, 1_000));
    expect(await snapshotCount("c3")).toBe(total);

    // The ClickHouse rollups agree: replayed batches replaced rather than added.
    const reply = await nats.request(
      pipelineNames(env.LUMEN_NATS_PREFIX!).querySubject(QUERY_OPERATIONS.periodTotals),
      encodeMessage({ env: "live", customer: "c7", from: 0, to: Date.now() + 86_400_000, waitUntil: Date.now() }),
      { timeout: 20_000 },
    );
    const totals = decodeMessage<PeriodTotalsResult>(reply.data);
    expect(totals.totals.find((t) => t.feature === "api-calls" && t.entity === null)?.value).toBe(total);
  }, 120_000);
});
