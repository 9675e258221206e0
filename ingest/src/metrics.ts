import type { PublishObserver } from "@lumen/core/runtime";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export type Endpoint = "track" | "batch" | "stream";

export interface IngestMetrics {
  registry: Registry;
  eventsAccepted: Counter<"endpoint">;
  eventsRejected: Counter<"endpoint">;
  responses: Counter<"endpoint" | "status">;
  /** Hand to the event publisher. */
  publishObserver: PublishObserver;
  /** Where the queue-depth gauge reads from (the publisher exists after the metrics). */
  readQueueDepth(source: () => number): void;
}

/** Prometheus metrics of one ingest server, in a registry of its own (tests run several servers). */
export function createIngestMetrics({ processMetrics = false }: { processMetrics?: boolean } = {}): IngestMetrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  let queueDepth = () => 0;
  const eventsAccepted = new Counter({
    name: "lumen_ingest_events_accepted_total",
    help: "Events made durable in the stream and acknowledged",
    labelNames: ["endpoint"],
    registers: [registry],
  });
  const eventsRejected = new Counter({
    name: "lumen_ingest_events_rejected_total",
    help: "Events refused one by one (validation)",
    labelNames: ["endpoint"],
    registers: [registry],
  });
  const responses = new Counter({
    name: "lumen_ingest_responses_total",
    help: "HTTP answers and WebSocket frame answers by status (WebSocket: 202 or the error's status)",
    labelNames: ["endpoint", "status"],
    registers: [registry],
  });
  const batches = new Counter({
    name: "lumen_ingest_batches_published_total",
    help: "Batches (JetStream messages) confirmed by the stream",
    registers: [registry],
  });
  const batchesFailed = new Counter({
    name: "lumen_ingest_batches_failed_total",
    help: "Batches the stream did not confirm after every attempt",
    registers: [registry],
  });
  const batchEvents = new Histogram({
    name: "lumen_ingest_batch_events",
    help: "Events per published batch",
    buckets: [1, 5, 25, 100, 250, 500],
    registers: [registry],
  });
  const publishSeconds = new Histogram({
    name: "lumen_ingest_publish_seconds",
    help: "From a batch leaving the queue to its PubAck",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5],
    registers: [registry],
  });
  new Gauge({
    name: "lumen_ingest_queue_depth",
    help: "Events queued or in flight to the stream",
    registers: [registry],
    collect() {
      this.set(queueDepth());
    },
  });
  return {
    registry,
    eventsAccepted,
    eventsRejected,
    responses,
    publishObserver: {
      batchPublished({ events, seconds }) {
        batches.inc();
        batchEvents.observe(events);
        publishSeconds.observe(seconds);
      },
      batchFailed() {
        batchesFailed.inc();
      },
    },
    readQueueDepth(source) {
      queueDepth = source;
    },
  };
}
