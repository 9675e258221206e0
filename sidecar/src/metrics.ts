import { Counter, collectDefaultMetrics, Gauge, Registry } from "prom-client";
import type { CacheObserver } from "./cache/customer-cache";

export interface SidecarMetrics {
  registry: Registry;
  responses: Counter<"route" | "status">;
  cacheObserver: CacheObserver;
  /** Where the gauges read from (the cache, the queue and the connection exist after the metrics). */
  readGauges(sources: {
    customers: () => number;
    bytes: () => number;
    queue: () => number;
    stale: () => boolean;
  }): void;
  trackFailures: Counter;
}

/** Prometheus metrics of one sidecar, in a registry of its own (tests run several). */
export function createSidecarMetrics({ processMetrics = false }: { processMetrics?: boolean } = {}): SidecarMetrics {
  const registry = new Registry();
  if (processMetrics) collectDefaultMetrics({ register: registry });
  let sources = { customers: () => 0, bytes: () => 0, queue: () => 0, stale: () => false };
  const counter = (name: string, help: string, labelNames: string[] = []) =>
    new Counter({ name, help, labelNames, registers: [registry] });
  const responses = counter("lumen_sidecar_responses_total", "Answers by route and status", ["route", "status"]);
  // Hits are counted on the hot path: a plain number, read when scraped.
  const counts = { hit: 0, miss: 0 };
  new Counter({
    name: "lumen_sidecar_cache_lookups_total",
    help: "Customer lookups by result (hit or miss)",
    labelNames: ["result"],
    registers: [registry],
    collect() {
      this.reset();
      this.inc({ result: "hit" }, counts.hit);
      this.inc({ result: "miss" }, counts.miss);
    },
  });
  const evictions = counter("lumen_sidecar_cache_evictions_total", "Customers evicted by the LRU bounds");
  const pushes = counter("lumen_sidecar_pushes_total", "Pushes received by kind and outcome", ["kind", "outcome"]);
  const trackFailures = counter(
    "lumen_sidecar_track_publish_failures_total",
    "Failed sends of tracked events (retried)",
  );
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge("lumen_sidecar_cache_customers", "Customers held in the cache", () => sources.customers());
  gauge("lumen_sidecar_cache_bytes", "Estimated bytes held in the cache", () => sources.bytes());
  gauge("lumen_sidecar_track_queue_events", "Tracked events queued or in flight", () => sources.queue());
  gauge("lumen_sidecar_stale", "1 while cut off from NATS (answers are flagged stale)", () =>
    sources.stale() ? 1 : 0,
  );
  return {
    registry,
    responses,
    trackFailures,
    cacheObserver: {
      hit: () => {
        counts.hit++;
      },
      miss: () => {
        counts.miss++;
      },
      evicted: () => evictions.inc(),
      pushApplied: (kind) => pushes.inc({ kind, outcome: "applied" }),
      pushIgnored: (kind) => pushes.inc({ kind, outcome: "ignored" }),
    },
    readGauges(next) {
      sources = next;
    },
  };
}
