import { CLOSED_THROUGH_SQL, type Clock, closedThroughOf } from "@lumen/core";
import { type ByteBudget, createByteBudget, type EventPublisher } from "@lumen/core/runtime";
import type pg from "pg";
import type { Logger } from "pino";
import { findKeyEnv } from "./auth/api-keys";
import { createKeyCache, type KeyCache } from "./auth/key-cache";
import { loadClockTimes } from "./clocks/clock-times";
import type { AcceptContext } from "./events/accept-events";

import type { IngestMetrics } from "./metrics";

export interface IngestLimits {
  /** Bytes of a `/v1/track` body (PRODUCT §1: 1 MB). */
  trackBytes: number;
  /** Bytes of a `/v1/events/batch` body and of a WebSocket frame (8 MB). */
  batchBytes: number;
  /** Unanswered frames per WebSocket connection before it is closed with 1013. */
  streamPendingFrames: number;
  /** Unanswered events per WebSocket connection before it is closed with 1013. */
  streamPendingEvents: number;
  /** Bytes of bodies and frames held at once by the whole server; beyond it requests get 429. */
  inFlightBytes: number;
}

export const DEFAULT_LIMITS: IngestLimits = {
  trackBytes: 1024 * 1024,
  batchBytes: 8 * 1024 * 1024,
  streamPendingFrames: 256,
  streamPendingEvents: 20_000,
  inFlightBytes: 128 * 1024 * 1024,
};

/** Everything a route needs; built once in main (or a test). */
export interface IngestContext extends AcceptContext {
  keys: KeyCache;
  budget: ByteBudget;
  metrics: IngestMetrics;
  logger: Logger;
  limits: IngestLimits;
}

/** The context over the billing database: keys and test clocks are read from billing's tables. */
export function createIngestContext({
  db,
  publisher,
  clock,
  metrics,
  logger,
  limits = DEFAULT_LIMITS,
  keyTtlMs,
}: {
  db: Pick<pg.Pool, "query">;
  publisher: EventPublisher;
  clock: Clock;
  metrics: IngestMetrics;
  logger: Logger;
  limits?: IngestLimits;
  keyTtlMs?: number;
}): IngestContext {
  return {
    publisher,
    clock,
    metrics,
    logger,
    limits,
    budget: createByteBudget(limits.inFlightBytes),
    keys: createKeyCache({ lookup: (secret) => findKeyEnv(db, secret), ttlMs: keyTtlMs }),
    clockTimes: (customers) => loadClockTimes(db, customers),
    closedThrough: async (env, customers) =>
      closedThroughOf((await db.query(CLOSED_THROUGH_SQL, [env, customers])).rows),
  };
}
