/**
 * `npm run bench`: every benchmark of the pipeline, each figure beside the limit measured in the same run and
 * the goal of issue 2. Prints a table and writes bench/results.json. A benchmark, not a test: it always exits 0
 * once it has measured, goals met or not.
 *   BENCH_SECONDS (default 5) per load figure; BENCH_EVENTS (default 500000) for the aggregator drain.
 */
import { writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { fileURLToPath } from "node:url";
import { measureAggregatorLoad } from "./aggregator-load";
import { type IngestLoadResult, runIngestBenchmark } from "./ingest-load";
import { measureLag } from "./lag";
import { runMicroBenchmarks } from "./micro";

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
  `${JSON.stringify({ measuredAt: new Date().toISOString(), cores: cpus().length, seconds, rows, ingest, aggregator, lag, micro }, null, 2)}\n`,
);
console.log(`\nwrote ${output}`);
process.exit(0);
