/**
 * The aggregator's throughput, and the limit to compare it with (issue 3's performance goals): events/s from
 * JetStream into counters, raw events and rollups with dedup on — a stream pre-filled with N events in 500-event
 * batches, drained by one aggregator — beside the raw insert rate of the same ClickHouse driver into a table of
 * the same shape as `events`, measured in the same run.
 *
 * Run on its own, it sets up a world of its own (NATS prefix, ClickHouse directory or database), measures, prints
 * the figures and removes everything:
 *   npx tsx bench/aggregator-load.ts [events, default 1000000] [ClickHouse server URL, default embedded]
 * (MEMORY=1 also prints the process's memory every half second.)
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type ClickHouse,
  encodeEventRows,
  openEmbeddedClickHouse,
  openServerClickHouse,
  type RawEventRow,
  rawEventRow,
  startAggregator,
} from "@lumen/aggregator";
import {
  type CatalogDefinition,
  encodeBatch,
  encodeMessage,
  partitionOf,
  pipelineNames,
  type UsageEvent,
} from "@lumen/core";
import { connectJetStream, deleteEventsStream, deletePipelineBuckets, ensureEventsStream } from "@lumen/core/runtime";
import { pino } from "pino";

export interface AggregatorLoadOptions {
  /** Events pre-filled into the stream (default 1,000,000). */
  events?: number;
  /** Events per stream message (default 500). */
  batchSize?: number;
  /** Distinct customers (default 1,000). */
  customers?: number;
  partitions?: number;
  /** A ClickHouse server; embedded chDB in a temporary directory when absent. */
  clickhouseUrl?: string;
  natsUrl?: string;
}

export interface AggregatorLoadResult {
  driver: "embedded" | "server";
  events: number;
  /** Drain time of the pre-filled stream by one aggregator (counters, raw events, rollups, keys, snapshots). */
  seconds: number;
  eventsPerSecond: number;
  /** The same driver inserting rows of the `events` shape (encoded as the aggregator encodes them) in 20,000-row
   *  INSERTs, one after another. */
  rawInsertRowsPerSecond: number;
  /** eventsPerSecond / rawInsertRowsPerSecond. */
  ratio: number;
  flushes: number;
  /** Rows in `events` after the drain (must equal `events`), and how many of them counted (all keys are distinct). */
  storedEvents: number;
  countedEvents: number;
  /** Highest resident set size sampled while draining (MiB). */
  peakRssMiB: number;
  /** CPU time of this process (all its threads: JavaScript, GC, embedded ClickHouse) per second of the drain. */
  cores: number;
}

const CATALOG: CatalogDefinition = {
  env: "live",
  version: 1,
  features: {
    "api-calls": { type: "metered", meter: null, creditCosts: null },
    messages: { type: "metered", meter: { event: "message", aggregation: "count" }, creditCosts: null },
    tokens: { type: "metered", meter: { event: "message", aggregation: "sum", property: "tokens" }, creditCosts: null },
  },
};

export async function measureAggregatorLoad(options: AggregatorLoadOptions = {}): Promise<AggregatorLoadResult> {
  const total = options.events ?? 1_000_000;
  const batchSize = options.batchSize ?? 500;
  const customers = options.customers ?? 1_000;
  const partitions = options.partitions ?? 16;
  const names = pipelineNames(`bench${randomBytes(4).toString("hex")}`);
  const nats = await connectJetStream({ url: options.natsUrl ?? "nats://127.0.0.1:4222", name: "lumen-bench" });
  const jsm = await nats.jetstreamManager();
  const js = nats.jetstream();
  const world = await openWorld(options.clickhouseUrl);
  try {
    await ensureEventsStream(jsm, names, partitions);
    const catalog = await js.views.kv(names.buckets.catalog, { history: 1 });
    await catalog.put("live", encodeMessage(CATALOG));
    const lastSeq = await prefill({ js, names, total, batchSize, customers, partitions });

    const logger = pino({ level: "warn" });
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      const usage = process.memoryUsage();
      // MEMORY=1 prints a sample every half second (MiB), to watch memory stay flat over a long drain.
      if (process.env.MEMORY) console.log(JSON.stringify({ rss: mib(usage.rss), heap: mib(usage.heapUsed) }));
      peakRss = Math.max(peakRss, usage.rss);
    }, 500);
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    const aggregator = await startAggregator({ nats, clickhouse: world.clickhouse, names, partitions, logger });
    while ([...lastSeq].some(([partition, seq]) => (aggregator.appliedSeq(partition) ?? 0) < seq)) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    clearInterval(sampler);
    const flushes = (await aggregator.metrics.flushes.get()).values[0]?.value ?? 0;
    await aggregator.stop();
    const [stored] = await world.clickhouse.query<{ events: string; counted: string }>(
      "SELECT count() AS events, sum(counted) AS counted FROM events FINAL",
    );

    const rawInsertRowsPerSecond = await measureRawInsert(world.clickhouse, Math.min(total, 1_000_000));
    const eventsPerSecond = total / seconds;
    return {
      driver: world.clickhouse.driver,
      events: total,
      seconds,
      eventsPerSecond,
      rawInsertRowsPerSecond,
      ratio: eventsPerSecond / rawInsertRowsPerSecond,
      flushes,
      storedEvents: Number(stored?.events ?? 0),
      countedEvents: Number(stored?.counted ?? 0),
      peakRssMiB: peakRss / 1024 / 1024,
      cores: (cpu.user + cpu.system) / 1e6 / seconds,
    };
  } finally {
    await deleteEventsStream(jsm, names);
    await deletePipelineBuckets(jsm, names);
    await nats.close();
    await world.dispose();
  }
}

function mib(bytes: number): number {
  return Math.round(bytes / 2 ** 20);
}

function benchEvent(i: number, customers: number, now: number): UsageEvent {
  const customer = `customer_${i % customers}`;
  const message = i % 2 === 0;
  return {
    id: `evt_bench${i}`,
    env: "live",
    customer,
    feature: message ? null : "api-calls",
    event: message ? "message" : null,
    entity: i % 3 === 0 ? `user_${i % 50}` : null,
    value: 1,
    properties: message ? { tokens: i % 1000, model: "gpt-5" } : null,
    timestamp: now - (i % 60_000),
    receivedAt: now,
    idempotencyKey: `key_${i}`,
  };
}

/** Fills the stream: one 500-event message per partition at a time, many in flight. Returns each partition's last seq. */
async function prefill({
  js,
  names,
  total,
  batchSize,
  customers,
  partitions,
}: {
  js: ReturnType<Awaited<ReturnType<typeof connectJetStream>>["jetstream"]>;
  names: ReturnType<typeof pipelineNames>;
  total: number;
  batchSize: number;
  customers: number;
  partitions: number;
}): Promise<Map<number, number>> {
  const now = Date.now();
  const pending = new Map<number, UsageEvent[]>();
  const lastSeq = new Map<number, number>();
  const inFlight = new Set<Promise<void>>();
  let batches = 0;
  const send = async (partition: number, events: UsageEvent[]) => {
    const id = `${names.prefix}_${batches++}`;
    const ack = await js.publish(names.eventsSubject("live", partition), encodeBatch({ v: 1, id, partition, events }), {
      msgID: id,
    });
    lastSeq.set(partition, Math.max(lastSeq.get(partition) ?? 0, ack.seq));
  };
  const launch = async (partition: number, events: UsageEvent[]) => {
    const promise = send(partition, events).finally(() => inFlight.delete(promise));
    inFlight.add(promise);
    if (inFlight.size >= 64) await Promise.race(inFlight);
  };
  for (let i = 0; i < total; i++) {
    const event = benchEvent(i, customers, now);
    const partition = partitionOf("live", event.customer, partitions);
    const batch = pending.get(partition) ?? [];
    batch.push(event);
    pending.set(partition, batch);
    if (batch.length === batchSize) {
      pending.delete(partition);
      await launch(partition, batch);
    }
  }
  for (const [partition, batch] of pending) await launch(partition, batch);
  await Promise.all(inFlight);
  return lastSeq;
}

/** Rows of the `events` shape, encoded and inserted the way the aggregator does it, 20,000 per INSERT. */
async function measureRawInsert(clickhouse: ClickHouse, rows: number): Promise<number> {
  await clickhouse.exec("CREATE TABLE IF NOT EXISTS events_raw_insert AS events");
  const now = Date.now();
  const blocks: RawEventRow[][] = [];
  for (let start = 0; start < rows; start += 20_000) {
    const block: RawEventRow[] = [];
    for (let i = start; i < Math.min(rows, start + 20_000); i++) {
      const row = rawEventRow(benchEvent(i, 1_000, now), i % 16, i, 0);
      Object.assign(row, {
        features: ["api-calls"],
        period_starts: [0],
        period_ends: [0],
        readings: [1],
        tokens: [""],
      });
      block.push(row);
    }
    blocks.push(block);
  }
  const started = performance.now();
  for (const block of blocks) await clickhouse.insert("events_raw_insert", encodeEventRows(block));
  const seconds = (performance.now() - started) / 1000;
  await clickhouse.exec("DROP TABLE events_raw_insert");
  return rows / seconds;
}

async function openWorld(url: string | undefined): Promise<{ clickhouse: ClickHouse; dispose(): Promise<void> }> {
  if (!url) {
    const dir = mkdtempSync(join(tmpdir(), "lumen-bench-"));
    const clickhouse = openEmbeddedClickHouse({ path: join(dir, "clickhouse") });
    return {
      clickhouse,
      async dispose() {
        await clickhouse.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const database = `lumen_bench_${randomBytes(4).toString("hex")}`;
  const root = openServerClickHouse({ url });
  await root.exec(`CREATE DATABASE ${database}`);
  const withDatabase = new URL(url);
  withDatabase.pathname = `/${database}`;
  const clickhouse = openServerClickHouse({ url: withDatabase.toString() });
  return {
    clickhouse,
    async dispose() {
      await clickhouse.close();
      await root.exec(`DROP DATABASE IF EXISTS ${database}`);
      await root.close();
    },
  };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const events = Number(process.argv[2] ?? 1_000_000);
  const result = await measureAggregatorLoad({ events, clickhouseUrl: process.argv[3] });
  console.table({
    [`aggregator drain (${result.driver})`]: {
      "events/s": Math.round(result.eventsPerSecond),
      seconds: result.seconds.toFixed(2),
    },
    "raw insert, same driver": { "events/s": Math.round(result.rawInsertRowsPerSecond), seconds: "" },
  });
  console.log(JSON.stringify(result, null, 2));
}
