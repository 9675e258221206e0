/**
 * Pipeline lag: events published at a fixed rate through the shared publisher (ingest's path) into one
 * aggregator; for every snapshot the owner publishes, lag = its arrival − the newest event time it includes
 * (events are stamped just before publishing, so this slightly overstates the lag from ingest's answer).
 *   npx tsx bench/lag.ts [events/s, default 50000] [seconds, default 10]
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { openEmbeddedClickHouse, startAggregator } from "@lumen/aggregator";
import { decodeMessage, newId, pipelineNames, type UsageEvent, type UsageSnapshot } from "@lumen/core";
import {
  connectJetStream,
  createEventPublisher,
  deleteEventsStream,
  deletePipelineBuckets,
  ensureEventsStream,
} from "@lumen/core/runtime";
import { pino } from "pino";

export interface LagResult {
  ratePerSecond: number;
  seconds: number;
  published: number;
  snapshots: number;
  lagMs: { p50: number; p99: number; max: number };
  peakRssMiB: number;
}

export async function measureLag({
  ratePerSecond = 50_000,
  seconds = 10,
  customers = 1_000,
  natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222",
}: {
  ratePerSecond?: number;
  seconds?: number;
  customers?: number;
  natsUrl?: string;
} = {}): Promise<LagResult> {
  const partitions = 16;
  const names = pipelineNames(`benchlag${randomBytes(4).toString("hex")}`);
  const nats = await connectJetStream({ url: natsUrl, name: "bench-lag" });
  const jsm = await nats.jetstreamManager();
  await ensureEventsStream(jsm, names, partitions);
  const dir = mkdtempSync(join(tmpdir(), "lumen-lag-"));
  const clickhouse = openEmbeddedClickHouse({ path: dir });
  const aggregator = await startAggregator({ nats, clickhouse, names, partitions, logger: pino({ level: "warn" }) });
  const publisher = createEventPublisher({ js: nats.jetstream(), names, partitions });
  const lags: number[] = [];
  let measuring = false;
  const subscription = nats.subscribe(`${names.prefix}.balances.>`, {
    callback: (_error, message) => {
      if (!measuring) return;
      const snapshot = decodeMessage<UsageSnapshot>(message.data);
      lags.push(Date.now() - snapshot.asOf);
    },
  });
  let peakRss = 0;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 250);
  try {
    // Wait until the aggregator owns every partition (its leases settle in a second or two).
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    measuring = true;
    const tickMs = 10;
    const perTick = Math.max(1, Math.round((ratePerSecond * tickMs) / 1000));
    const started = Date.now();
    let published = 0;
    const inFlight: Promise<unknown>[] = [];
    while (Date.now() - started < seconds * 1000) {
      const now = Date.now();
      const events: UsageEvent[] = [];
      for (let i = 0; i < perTick; i++) {
        events.push({
          id: newId("evt"),
          env: "live",
          customer: `c${(published + i) % customers}`,
          feature: "api-calls",
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
      published += events.length;
      const next = started + Math.round((published / ratePerSecond) * 1000);
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, next - Date.now())));
    }
    await Promise.all(inFlight);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    measuring = false;
    const sorted = [...lags].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
    return {
      ratePerSecond,
      seconds,
      published,
      snapshots: lags.length,
      lagMs: { p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN },
      peakRssMiB: Math.round(peakRss / 1048576),
    };
  } finally {
    clearInterval(sampler);
    subscription.unsubscribe();
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
  const result = await measureLag({
    ratePerSecond: Number(process.argv[2] ?? 50_000),
    seconds: Number(process.argv[3] ?? 10),
  });
  console.log(JSON.stringify(result, null, 2));
}
