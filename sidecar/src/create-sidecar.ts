import type { LumenEnv, PipelineNames } from "@lumen/core";
import { createEventPublisher } from "@lumen/core/runtime";
import type { NatsConnection } from "nats";
import type { Logger } from "pino";
import { type CacheLimits, CustomerCache } from "./cache/customer-cache";
import { SideTables } from "./cache/side-tables";
import type { SidecarMetrics } from "./metrics";
import { createOwnerClient } from "./owner/owner-client";
import { Sidecar, type Staleness } from "./sidecar";
import { TrackQueue } from "./track/track-queue";

export interface SidecarOptions {
  nats: NatsConnection;
  names: PipelineNames;
  partitions: number;
  /** The environment this sidecar serves (its application's key's environment). */
  env: LumenEnv;
  cache?: Partial<CacheLimits>;
  logger: Logger;
  metrics?: SidecarMetrics;
  /** Wall clock (ms); tests may replace it. */
  now?: () => number;
  ownerTimeoutMs?: number;
}

/** 100,000 customers of two features take about 700 MB of heap (measured): the byte bound is what binds first. */
export const DEFAULT_CACHE_LIMITS: CacheLimits = { maxEntries: 100_000, maxBytes: 512 * 1024 * 1024 };

export interface RunningSidecar {
  sidecar: Sidecar;
  cache: CustomerCache;
  queue: TrackQueue;
  staleness: Staleness;
  /** Sends what is queued, then stops following NATS (the connection is the caller's). */
  close(): Promise<void>;
}

/**
 * Wires a sidecar to a NATS connection: the customer cache and its pushes, the side tables (catalogs, clocks,
 * entities), the track queue and the owner client. Cut off from NATS it keeps answering from its cache, flagged
 * `stale`; once reconnected it re-reads every cached customer (pushes may have been missed) and is fresh again.
 */
export async function createSidecar(options: SidecarOptions): Promise<RunningSidecar> {
  const { nats, names, partitions, env, logger, metrics } = options;
  const now = options.now ?? Date.now;
  const js = nats.jetstream();
  const [definitions, balances, tables] = await Promise.all([
    js.views.kv(names.buckets.definitions, { history: 1 }),
    js.views.kv(names.buckets.balances, { history: 1 }),
    SideTables.open({ js, names, logger }),
  ]);
  const cache = new CustomerCache({
    nats,
    names,
    definitions,
    balances,
    limits: { ...DEFAULT_CACHE_LIMITS, ...options.cache },
    logger,
    observer: metrics?.cacheObserver,
    now,
  });
  const publisher = createEventPublisher({ js, names, partitions, maxMessageBytes: nats.info?.max_payload });
  const queue = new TrackQueue({
    publisher,
    onFailure: (error, events) => {
      metrics?.trackFailures.inc();
      logger.warn({ err: error, events }, "tracked events not confirmed by the stream; retrying");
    },
  });
  const staleness: Staleness = { stale: false };
  const owner = createOwnerClient({ nats, names, partitions, timeoutMs: options.ownerTimeoutMs });
  const sidecar = new Sidecar({ env, cache, tables, queue, owner, staleness, now });
  metrics?.readGauges({
    customers: () => cache.size,
    bytes: () => cache.bytes,
    queue: () => queue.depth,
    stale: () => staleness.stale,
  });
  const following = followConnection({ nats, cache, staleness, logger });
  return {
    sidecar,
    cache,
    queue,
    staleness,
    async close() {
      const drained = await queue.close();
      if (!drained) logger.warn({ events: queue.depth }, "tracked events left unsent at shutdown");
      await publisher.close();
      following.stop();
      tables.stop();
      cache.clear();
    },
  };
}

/** Marks answers stale while disconnected; after a reconnect, re-reads the cache (a gap) before calling it fresh. */
function followConnection({
  nats,
  cache,
  staleness,
  logger,
}: {
  nats: NatsConnection;
  cache: CustomerCache;
  staleness: Staleness;
  logger: Logger;
}): { stop(): void } {
  let stopped = false;
  const status = nats.status();
  void (async () => {
    for await (const event of status) {
      if (stopped) break;
      if (event.type === "disconnect" || event.type === "staleConnection" || event.type === "reconnecting") {
        if (!staleness.stale) logger.warn({ event: event.type }, "cut off from NATS: answering from the cache (stale)");
        staleness.stale = true;
      } else if (event.type === "reconnect") {
        // Re-read until it works (or the connection drops again, which the next reconnect handles).
        for (let attempt = 1; !stopped && !nats.isClosed(); attempt++) {
          try {
            await cache.reloadAll();
            staleness.stale = false;
            logger.info("reconnected to NATS: cache re-read, answers fresh again");
            break;
          } catch (error) {
            logger.warn({ err: error, attempt }, "re-reading the cache after a reconnect failed; still stale");
            await new Promise((resolve) => setTimeout(resolve, Math.min(5_000, 250 * attempt)));
          }
        }
      }
    }
  })();
  return {
    stop() {
      stopped = true;
    },
  };
}
