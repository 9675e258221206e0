import { Counter, Gauge, Histogram, Registry } from "prom-client";

/** What an aggregator exposes on /metrics. One registry per aggregator, so tests can run several. */
export interface AggregatorMetrics {
  registry: Registry;
  eventsApplied: Counter;
  duplicates: Counter;
  batches: Counter;
  flushes: Counter;
  flushFailures: Counter;
  flushSeconds: Histogram;
  /** Seconds between the stream storing the newest applied message and its flush, per partition. */
  lagSeconds: Gauge<"partition">;
  ownedPartitions: Gauge;
  counters: Gauge;
  bufferedBytes: Gauge;
}

export function createMetrics(): AggregatorMetrics {
  const registry = new Registry();
  const registers = [registry];
  return {
    registry,
    eventsApplied: new Counter({
      name: "lumen_aggregator_events_total",
      help: "Events applied and written (duplicates included)",
      registers,
    }),
    duplicates: new Counter({
      name: "lumen_aggregator_duplicate_events_total",
      help: "Events not counted because they repeated an idempotency key",
      registers,
    }),
    batches: new Counter({ name: "lumen_aggregator_batches_total", help: "Stream messages applied", registers }),
    flushes: new Counter({ name: "lumen_aggregator_flushes_total", help: "Flushes written to ClickHouse", registers }),
    flushFailures: new Counter({
      name: "lumen_aggregator_flush_failures_total",
      help: "Flushes that failed; their partitions restarted from the checkpoint",
      registers,
    }),
    flushSeconds: new Histogram({
      name: "lumen_aggregator_flush_seconds",
      help: "Time from taking a group to its snapshots published",
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    lagSeconds: new Gauge({
      name: "lumen_aggregator_lag_seconds",
      help: "Age of the newest applied message when its flush completed",
      labelNames: ["partition"],
      registers,
    }),
    ownedPartitions: new Gauge({ name: "lumen_aggregator_partitions", help: "Partitions owned", registers }),
    counters: new Gauge({ name: "lumen_aggregator_counters", help: "Counters held in memory", registers }),
    bufferedBytes: new Gauge({
      name: "lumen_aggregator_buffered_bytes",
      help: "Stream messages read and waiting for a flush (bytes)",
      registers,
    }),
  };
}
