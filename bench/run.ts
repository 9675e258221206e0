/**
 * `npm run bench`: every benchmark of the pipeline, the sidecar and the billing engine, each figure beside the limit
 * measured in the same run and the goal of issues 2, 3 and 4. Prints a table and writes bench/results.json. A benchmark,
 * not a test: it always exits 0 once it has measured, goals met or not.
 *   BENCH_SECONDS (default 5) per load figure; BENCH_EVENTS (default 500000) for the aggregator drain;
 *   BENCH_SUBSCRIPTIONS (default 10000) for the period close.
 */
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { measureAggregatorLoad } from "./aggregator-load";
import { measureConsumes } from "./consume-load";
import { type IngestLoadResult, runIngestBenchmark } from "./ingest-load";
import { type InvoiceCloseResult, measureInvoiceClose } from "./invoice-close";
import { measureLag } from "./lag";
import { runMicroBenchmarks } from "./micro";
import { measureFreshness } from "./sidecar-freshness";
import { measureEmbeddedChecks, measureSidecarChecks, measureSidecarMemory } from "./sidecar-load";

interface Row {
  figure: string;
  value: number;
  unit: string;
  limit: string;
  goal: string;
  met: boolean | null;
}

const seconds = Number(process.env.BENCH_SECONDS ?? 5);
const drainEvents = Number(process.env.BENCH_EVENTS ?? 500_000);
const subscriptions = Number(process.env.BENCH_SUBSCRIPTIONS ?? 10_000);
const rows: Row[] = [];
const round = (value: number) => Math.round(value);

console.log(
  `Lumen benchmarks on ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB; ${seconds} s per figure\n`,
);

const ingest = await runIngestBenchmark({ seconds });
const track = ingest.trackJson64 as IngestLoadResult;
const batch = ingest.batchMsgpack as IngestLoadResult;
const stream = ingest.streamMsgpack as IngestLoadResult;
const raw = ingest.rawPublish as { eventsPerSecond: number };
const ingestMetrics = ingest.ingestMetrics as { residentMemoryBytes: number };
rows.push({
  figure: "ingest: JSON /v1/track, 64 connections",
  value: round(track.eventsPerSecond),
  unit: `events/s (p99 ${track.latencyMs.p99} ms)`,
  limit: "—",
  goal: "≥ 20,000 events/s",
  met: track.eventsPerSecond >= 20_000,
});
for (const [name, result] of [
  ["ingest: msgpack batches of 500 over HTTP", batch],
  ["ingest: msgpack frames of 500 over the WebSocket", stream],
] as const) {
  rows.push({
    figure: name,
    value: round(result.eventsPerSecond),
    unit: `events/s (${(result.eventsPerSecond / raw.eventsPerSecond).toFixed(3)} × limit)`,
    limit: `raw JetStream publish, 500-event messages: ${round(raw.eventsPerSecond)} events/s`,
    goal: "≥ 0.25 × limit",
    met: result.eventsPerSecond >= 0.25 * raw.eventsPerSecond,
  });
}
rows.push({
  figure: "ingest: resident memory after the load",
  value: round(ingestMetrics.residentMemoryBytes / 2 ** 20),
  unit: "MiB",
  limit: "—",
  goal: "bounded (stated)",
  met: null,
});

const aggregator = await measureAggregatorLoad({ events: drainEvents });
rows.push({
  figure: `aggregator: stream → counters + raw events + rollups, dedup on (${aggregator.driver})`,
  value: round(aggregator.eventsPerSecond),
  unit: `events/s (${aggregator.ratio.toFixed(2)} × limit)`,
  limit: `raw insert of the same driver: ${round(aggregator.rawInsertRowsPerSecond)} rows/s`,
  goal: "≥ 100,000 events/s and ≥ 0.5 × limit",
  met: aggregator.eventsPerSecond >= 100_000 && aggregator.ratio >= 0.5,
});
rows.push({
  figure: "aggregator: peak resident memory while draining",
  value: aggregator.peakRssMiB,
  unit: "MiB",
  limit: "—",
  goal: "bounded (stated)",
  met: null,
});

const lagRate = Math.max(1_000, Math.round(Math.min(aggregator.eventsPerSecond, batch.eventsPerSecond) / 2));
const lag = await measureLag({ ratePerSecond: lagRate, seconds });
rows.push({
  figure: `lag: event stamped → balance published, at ${lagRate} events/s (half the sustained rate)`,
  value: lag.lagMs.p99,
  unit: `ms p99 (p50 ${lag.lagMs.p50} ms)`,
  limit: "—",
  goal: "p99 ≤ 100 ms",
  met: lag.lagMs.p99 <= 100,
});

const sidecarChecks = await measureSidecarChecks({ seconds });
rows.push({
  figure: "sidecar: POST /v1/check over localhost HTTP, warm cache, 50 connections",
  value: sidecarChecks.check.requestsPerSecond,
  unit: `req/s (${sidecarChecks.ratio.toFixed(2)} × limit; p99 ${sidecarChecks.check.latencyMs.p99} ms at saturation)`,
  limit: `no-op route of the same sidecar: ${sidecarChecks.noop.requestsPerSecond} req/s (p99 ${sidecarChecks.noop.latencyMs.p99} ms)`,
  goal: "≥ 0.8 × limit; p99 ≤ 1 ms",
  met: sidecarChecks.ratio >= 0.8 && sidecarChecks.check.latencyMs.p99 <= 1,
});
rows.push({
  figure: "sidecar: check latency, one connection, one request at a time",
  value: sidecarChecks.single.latencyMs.p99,
  unit: `ms p99 (p50 ${sidecarChecks.single.latencyMs.p50} ms, ${sidecarChecks.single.rate} req/s)`,
  limit: "—",
  goal: "p99 ≤ 1 ms",
  met: sidecarChecks.single.latencyMs.p99 <= 1,
});
const embedded = await measureEmbeddedChecks({ timeMs: seconds * 1000 });
rows.push({
  figure: "SDK embedded mode: lumen.check, warm (tinybench)",
  value: embedded.latencyUs.p99,
  unit: `µs p99 (mean ${embedded.latencyUs.mean} µs, ${embedded.opsPerSecond} checks/s)`,
  limit: "—",
  goal: "p99 ≤ 20 µs",
  met: embedded.latencyUs.p99 <= 20,
});
const consumes = await measureConsumes({ seconds });
rows.push({
  figure: `strict consume through the owner, ${consumes.sidecars} sidecars, ${consumes.inFlight} in flight`,
  value: consumes.consumesPerSecond,
  unit: `consumes/s (p99 ${consumes.latencyMs.p99} ms, p50 ${consumes.latencyMs.p50} ms)`,
  limit: "—",
  goal: "≥ 20,000/s; p99 ≤ 5 ms",
  met: consumes.consumesPerSecond >= 20_000 && consumes.latencyMs.p99 <= 5,
});
const freshness = await measureFreshness({ ratePerSecond: 50_000, seconds });
rows.push({
  figure: `push freshness: tracked at one sidecar → seen at another, under ${freshness.backgroundRatePerSecond} events/s`,
  value: freshness.latencyMs.p99,
  unit: `ms p99 (p50 ${freshness.latencyMs.p50} ms; ${freshness.seen}/${freshness.probes} probes seen)`,
  limit: "—",
  goal: "p99 ≤ 100 ms",
  met: freshness.latencyMs.p99 <= 100 && freshness.seen === freshness.probes,
});
const memory = await measureSidecarMemory({ customers: 100_000 });
rows.push({
  figure: `sidecar: resident memory holding ${memory.cacheCustomers} customers (LRU ${memory.limits.entries} entries, ${memory.limits.megabytes} MB)`,
  value: memory.rssAfterMiB,
  unit: `MiB (${memory.rssBeforeMiB} MiB empty; the LRU counts ${memory.cacheMiB} MiB)`,
  limit: "—",
  goal: "bounded by the LRU settings (stated)",
  met: null,
});

const invoiceClose: InvoiceCloseResult[] = [];
for (const usagePricing of [false, true]) {
  const close = await measureInvoiceClose({ subscriptions, usagePricing });
  invoiceClose.push(close);
  rows.push({
    figure: `billing: close ${subscriptions.toLocaleString("en-US")} monthly periods in one clock advance (${close.variant})`,
    value: close.invoicesPerSecond,
    unit: `invoices/s (${close.seconds} s for ${close.invoices.toLocaleString("en-US")} invoices)`,
    limit: `${close.limit.name}: ${close.limit.subscriptionsPerSecond.toLocaleString("en-US")} subscriptions/s`,
    goal: "≥ 1,000 invoices/s",
    met: close.invoicesPerSecond >= 1_000,
  });
}

const micro = await runMicroBenchmarks();
for (const task of micro) {
  rows.push({
    figure: `micro: ${task.name}`,
    value: task.opsPerSecond,
    unit: `ops/s (p99 ${task.p99Us} µs)`,
    limit: "—",
    goal: "—",
    met: null,
  });
}

console.table(
  rows.map((row) => ({
    figure: row.figure,
    value: `${row.value.toLocaleString("en-US")} ${row.unit}`,
    limit: row.limit,
    goal: row.goal,
    met: row.met === null ? "" : row.met ? "yes" : "NO",
  })),
);
const output = fileURLToPath(new URL("./results.json", import.meta.url));
writeFileSync(
  output,
  `${JSON.stringify(
    {
      measuredAt: new Date().toISOString(),
      cores: cpus().length,
      seconds,
      rows,
      ingest,
      aggregator,
      lag,
      sidecarChecks,
      embedded,
      consumes,
      freshness,
      memory,
      invoiceClose,
      micro,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nwrote ${output}`);
process.exit(0);
