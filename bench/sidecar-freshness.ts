/**
 * Push freshness (issue 3): an event tracked at one sidecar is visible at another sidecar, while the pipeline
 * carries a background load. One aggregator (embedded ClickHouse), two sidecars in this process on connections of
 * their own; probe events are tracked at sidecar A for customers that sidecar B holds, and B's cache is watched
 * until its counter shows each probe.
 *   npx tsx bench/sidecar-freshness.ts [background events/s, default 50000] [seconds, default 10]
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { openEmbeddedClickHouse, startAggregator } from "@lumen/aggregator";
import { customerKey, encodeMessage, newId, pipelineNames, type UsageEvent } from "@lumen/core";
import {
  connectJetStream,
  createEventPublisher,
  deleteEventsStream,
  deletePipelineBuckets,
  ensureEventsStream,
} from "@lumen/core/runtime";
import { aCustomerDefinition, anEntitlement } from "@lumen/core/testing";
import { createSidecar } from "@lumen/sidecar";
import { pino } from "pino";

export interface FreshnessResult {
  backgroundRatePerSecond: number;
  backgroundPublished: number;
  probes: number;
  seen: number;
  latencyMs: { p50: number; p99: number; max: number };
}

export async function measureFreshness({
  ratePerSecond = 50_000,
  seconds = 10,
  natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222",
}: {
  ratePerSecond?: number;
  seconds?: number;
  natsUrl?: string;
} = {}): Promise<FreshnessResult> {
  const partitions = 16;
  const names = pipelineNames(`benchfresh${randomBytes(4).toString("hex")}`);
  const logger = pino({ level: "warn" });
  const nats = await connectJetStream({ url: natsUrl, name: "bench-freshness" });
  const jsm = await nats.jetstreamManager();
  await ensureEventsStream(jsm, names, partitions);
  const dir = mkdtempSync(join(tmpdir(), "lumen-fresh-"));
  const clickhouse = openEmbeddedClickHouse({ path: dir });
  const aggregator = await startAggregator({ nats, clickhouse, names, partitions, logger });
  const [connectionA, connectionB] = await Promise.all([
    connectJetStream({ url: natsUrl, name: "bench-sidecar-a" }),
    connectJetStream({ url: natsUrl, name: "bench-sidecar-b" }),
  ]);
  const sidecarA = await createSidecar({ nats: connectionA, names, partitions, env: "test", logger });
  const sidecarB = await createSidecar({ nats: connectionB, names, partitions, env: "test", logger });
  const publisher = createEventPublisher({ js: nats.jetstream(), names, partitions });
  const probes = Array.from({ length: 20 }, (_, index) => `probe-${index}`);
  const definitions = await nats.jetstream().views.kv(names.buckets.definitions, { history: 1 });
  for (const customer of probes) {
    const definition = aCustomerDefinition({ customer, features: { messages: anEntitlement({ included: 1e9 }) } });
    await definitions.put(customerKey("test", customer), encodeMessage(definition));
  }
  const latencies: number[] = [];
  let sent = 0;
  let backgroundPublished = 0;
  try {
    // Let the aggregator take every partition, and sidecar B cache every probe customer.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    for (const customer of probes)
      await sidecarB.sidecar.handle({ method: "POST", path: "/v1/check", body: { customer, feature: "messages" } });
    const pending = new Map<string, { count: number; at: number }[]>(probes.map((customer) => [customer, []]));
    const watcher = setInterval(() => {
      const now = performance.now();
      for (const [customer, waits] of pending) {
        if (waits.length === 0) continue;
        const counter = sidecarB.cache
          .peek("test", customer)
          ?.snapshot?.counters.find((c) => c.feature === "messages" && c.entity === null);
        const value = counter?.value ?? 0;
        while (waits.length > 0 && waits[0]!.count <= value) latencies.push(now - waits.shift()!.at);
      }
    }, 1);
    const counts = new Map<string, number>();
    const deadline = Date.now() + seconds * 1000;
    const tickMs = 10;
    const perTick = Math.max(1, Math.round((ratePerSecond * tickMs) / 1000));
    const started = Date.now();
    let tick = 0;
    const inFlight: Promise<unknown>[] = [];
    while (Date.now() < deadline) {
      const now = Date.now();
      const events: UsageEvent[] = [];
      for (let i = 0; i < perTick; i++) {
        events.push({
          id: newId("evt"),
          env: "test",
          customer: `load-${(backgroundPublished + i) % 1_000}`,
          feature: "messages",
          event: null,
          entity: null,
          value: 1,
          properties: null,
          timestamp: now,
          receivedAt: now,
          idempotencyKey: null,
        });
      }
      inFlight.push(publisher.publish(events));
      backgroundPublished += events.length;
      // A probe every other tick, round robin over the probe customers.
      if (tick++ % 2 === 0) {
        const customer = probes[sent % probes.length]!;
        const count = (counts.get(customer) ?? 0) + 1;
        counts.set(customer, count);
        pending.get(customer)!.push({ count, at: performance.now() });
        sent++;
        await sidecarA.sidecar.handle({ method: "POST", path: "/v1/track", body: { customer, feature: "messages" } });
      }
      const next = started + Math.round((backgroundPublished / ratePerSecond) * 1000);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
    }
    await Promise.all(inFlight);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    clearInterval(watcher);
    const sorted = [...latencies].sort((a, b) => a - b);
    const at = (q: number) =>
      Math.round((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN) * 10) / 10;
    return {
      backgroundRatePerSecond: ratePerSecond,
      backgroundPublished,
      probes: sent,
      seen: latencies.length,
      latencyMs: { p50: at(0.5), p99: at(0.99), max: Math.round((sorted.at(-1) ?? Number.NaN) * 10) / 10 },
    };
  } finally {
    await sidecarA.close();
    await sidecarB.close();
    await connectionA.close();
    await connectionB.close();
    await publisher.close();
    await aggregator.stop();
    await clickhouse.close();
    await deleteEventsStream(jsm, names);
    await deletePipelineBuckets(jsm, names);
    await nats.drain();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await measureFreshness({
    ratePerSecond: Number(process.argv[2] ?? 50_000),
    seconds: Number(process.argv[3] ?? 10),
  });
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}
