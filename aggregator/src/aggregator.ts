import { type Clock, createPeriodResolver, type PipelineNames, randomToken, systemClock } from "@lumen/core";
import { DEFAULT_EVENTS_MAX_AGE_MS } from "@lumen/core/runtime";
import { type JetStreamManager, millis, type NatsConnection, nanos } from "nats";
import type { Logger } from "pino";
import type { ClickHouse } from "./clickhouse";
import { IdempotencyIndex } from "./dedup/idempotency-index";
import { type AggregatorMetrics, createMetrics } from "./metrics";
import type { OwnerSettings } from "./owner/owner-context";
import { OwnerService } from "./owner/owner-service";
import { DEFAULT_OWNERSHIP_TIMING, Ownership, type OwnershipTiming } from "./ownership/ownership";
import { PartitionManager } from "./partition-manager";
import type { FlushWork } from "./pipeline/apply-batches";
import { BatchBuffer } from "./pipeline/batch-buffer";
import { type FlushSettings, startFlusher } from "./pipeline/flusher";
import { startQueryService } from "./query/query-service";
import { CounterStore } from "./state/counter-store";
import { DefinitionsCache } from "./state/definitions-cache";
import { pruneIdempotencyKeys } from "./storage/prune-keys";
import { ensureSchema } from "./storage/schema";

export interface AggregatorOptions {
  nats: NatsConnection;
  clickhouse: ClickHouse;
  names: PipelineNames;
  partitions: number;
  logger: Logger;
  clock?: Clock;
  /** Unique per process; a random one by default. */
  id?: string;
  flush?: Partial<FlushSettings> & { bufferBytes?: number };
  ownership?: Partial<OwnershipTiming>;
  /** Checks, strict consumes and reservations. */
  owner?: Partial<OwnerSettings>;
  /** Idempotency keys kept hot in memory (default 250,000). */
  dedupCacheSize?: number;
  /** Keys per partition its Bloom filter holds (default 2,000,000, ~2.4 MiB); past it, every key is looked up. */
  dedupFilterCapacity?: number;
  /** How long a period-totals query waits for the watermark. */
  periodTotalsTimeoutMs?: number;
  /** Test seams: a crash between the data and the checkpoint. */
  hooks?: { beforeCheckpoint?: (work: FlushWork) => Promise<void> };
}

export interface Aggregator {
  id: string;
  metrics: AggregatorMetrics;
  /** Partitions recovered and reading. */
  running(): number[];
  /** The last stream sequence applied and written for a running partition. */
  appliedSeq(partition: number): number | undefined;
  /** Gives every partition up (so others take over at once) and stops. */
  stop(): Promise<void>;
  /** Stops at once, releasing nothing (as a crash would; leases expire). The NATS connection is the caller's. */
  kill(): Promise<void>;
}

/** ~25,000 events of ~80 bytes per flush; ~100,000 read ahead. */
export const DEFAULT_FLUSH = { groupBytes: 2 * 1024 * 1024, lingerMs: 20, bufferBytes: 8 * 1024 * 1024 };

// How often idle partitions' watermarks move up to now (billing's period close waits on them).
const WATERMARK_REFRESH_MS = 500;

// The smallest event a stream message can carry (id, env, customer, feature, times): bounds events per flush.
const MIN_EVENT_BYTES = 32;

/** Wires one aggregator: definitions, ownership, partitions, the flusher, the query service. */
export async function startAggregator(options: AggregatorOptions): Promise<Aggregator> {
  const { nats, clickhouse, names, partitions, logger } = options;
  const clock = options.clock ?? systemClock;
  const id = options.id ?? `agg-${randomToken(10)}`;
  const flush = { ...DEFAULT_FLUSH, ...options.flush };
  const js = nats.jetstream();
  const jsm = await nats.jetstreamManager();
  await ensureSchema(clickhouse);
  const [balances, watermarks, leasesKv, membersKv] = await Promise.all([
    js.views.kv(names.buckets.balances, { history: 1 }),
    js.views.kv(names.buckets.watermarks, { history: 1 }),
    js.views.kv(names.buckets.leases, { history: 1 }),
    js.views.kv(names.buckets.members, { history: 1, ttl: 30_000 }),
  ]);
  const sources = await DefinitionsCache.open({ js, names, logger });
  const replayMs = await streamMaxAge(jsm, names);
  const metrics = createMetrics();
  const counters = new CounterStore();
  const buffer = new BatchBuffer(flush.bufferBytes);
  const index = new IdempotencyIndex(clickhouse, {
    // The cache must hold every key of the flushes not yet written (one preparing, one writing): ClickHouse
    // cannot know those yet.
    cacheSize: Math.max(options.dedupCacheSize ?? 250_000, (2 * flush.groupBytes) / MIN_EVENT_BYTES),
    filterCapacity: options.dedupFilterCapacity ?? 2_000_000,
    replayMs,
  });
  let ownership: Ownership | null = null;
  const holds = (partition: number) => ownership?.holds(partition) ?? false;
  const owners = await OwnerService.start({
    nats,
    js,
    jsm,
    names,
    partitions,
    sources,
    counters,
    clock,
    holds,
    countedKey: (env, customer, key) => index.countedSeq({ env, customer }, key, clock.now().getTime()),
    logger,
    ...(options.owner ? { settings: options.owner } : {}),
  });

  let flusherIdle: () => Promise<void> = () => Promise.resolve();
  const manager = new PartitionManager({
    me: id,
    nats,
    js,
    jsm,
    names,
    partitions,
    clickhouse,
    clock,
    counters,
    index,
    buffer,
    sources,
    balances,
    watermarks,
    owners,
    metrics,
    logger,
    holds,
    flushIdle: () => flusherIdle(),
    restartDelayMs: 1_000,
  });
  const flusher = startFlusher({
    buffer,
    index,
    counters,
    sources,
    clickhouse,
    settings: flush,
    resolvePeriod: createPeriodResolver(),
    isCurrent: (partition, generation) => manager.isCurrent(partition, generation),
    now: () => clock.now().getTime(),
    afterApply: (work) => manager.afterApply(work),
    afterFlush: (work, seconds) => manager.afterFlush(work, seconds),
    onFailure: (failed, error) => manager.fail(failed, error),
    onRejected: (batch, rejected) => logger.warn({ ...batch, rejected }, "events that do not decode skipped"),
    settle: (partition, eventId) => owners.settle(partition, eventId),
    ...(options.hooks?.beforeCheckpoint ? { beforeCheckpoint: options.hooks.beforeCheckpoint } : {}),
  });
  flusherIdle = flusher.idle;
  const queries = startQueryService({
    nats,
    names,
    partitions,
    clickhouse,
    sources,
    watermarks,
    periodTotalsTimeoutMs: options.periodTotalsTimeoutMs ?? 8_000,
    logger,
  });
  ownership = new Ownership({
    me: id,
    partitions,
    leasesKv,
    membersKv,
    clock,
    timing: { ...DEFAULT_OWNERSHIP_TIMING, ...options.ownership },
    callbacks: {
      acquired: async (partition) => manager.startLogged(partition),
      releasing: (partition) => manager.stop(partition, { settle: true }),
      lost: (partition) => void manager.stop(partition, { settle: false }),
    },
    logger: logger.child({ aggregator: id }),
  });
  await ownership.start();
  const prune = () =>
    pruneIdempotencyKeys({ clickhouse, now: clock.now().getTime(), replayMs }).catch((error: unknown) =>
      logger.warn({ err: error }, "dropping old idempotency keys failed"),
    );
  void prune();
  const pruner = setInterval(prune, 3_600_000);
  const ticker = setInterval(() => {
    metrics.bufferedBytes.set(buffer.size);
    metrics.counters.set(counters.size());
    manager.refreshWatermarks().catch((error: unknown) => logger.warn({ err: error }, "watermark refresh failed"));
  }, WATERMARK_REFRESH_MS);

  async function shutdown({ release }: { release: boolean }): Promise<void> {
    clearInterval(ticker);
    clearInterval(pruner);
    await ownership?.stop({ release });
    queries.stop();
    if (!release) flusher.stop().catch(() => {});
    await manager.stopAll({ settle: release });
    if (release) await flusher.stop();
    await owners.stop();
    sources.stop();
  }

  return {
    id,
    metrics,
    running: () => manager.running(),
    appliedSeq: (partition) => manager.appliedSeq(partition),
    stop: () => shutdown({ release: true }),
    kill: () => shutdown({ release: false }),
  };
}

/** How long the stream keeps events (an unlimited stream: a century, so no key is ever dropped or left unloaded). */
async function streamMaxAge(jsm: JetStreamManager, names: PipelineNames): Promise<number> {
  const info = await jsm.streams.info(names.eventsStream).catch(() => null);
  const maxAgeNanos = info?.config.max_age ?? nanos(DEFAULT_EVENTS_MAX_AGE_MS);
  return maxAgeNanos > 0 ? millis(maxAgeNanos) : 100 * 365 * 86_400_000;
}
