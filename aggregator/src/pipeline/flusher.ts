import type { CounterPeriod, ResetSchedule, UsageSources } from "@lumen/core";
import type { ClickHouse } from "../clickhouse";
import { concatEncoded } from "../clickhouse/types";
import type { IdempotencyIndex } from "../dedup/idempotency-index";
import type { CounterStore } from "../state/counter-store";
import { type FlushRows, writeFlush } from "../storage/write-flush";
import { applyBatches, type FlushWork } from "./apply-batches";
import type { BatchBuffer } from "./batch-buffer";
import { type BatchPosition, type DecodedBatch, decodeEvents, type ReceivedBatch } from "./received-batch";

export interface FlushSettings {
  /** A flush takes up to about this many bytes of stream messages (~80 bytes per event)… */
  groupBytes: number;
  /** …or goes once its oldest message has waited this long. */
  lingerMs: number;
}

export interface Flusher {
  /** Resolves when the flushes in progress (prepared or writing) have finished. */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

interface Prepared {
  work: FlushWork;
  started: number;
}

/**
 * The aggregator's single writer, in two overlapping stages: while one flush writes to ClickHouse, the next is
 * prepared (decoded, idempotency keys looked up, meters and counters applied and their snapshots published, rows
 * encoded). Flushes are written one after the other; watermarks move only past written flushes. A flush that fails is reported, and
 * its partitions restart from their checkpoint.
 */
export function startFlusher({
  buffer,
  index,
  counters,
  sources,
  clickhouse,
  settings,
  resolvePeriod,
  isCurrent,
  now,
  afterApply,
  afterFlush,
  onFailure,
  onRejected,
  beforeCheckpoint,
  settle,
}: {
  buffer: BatchBuffer;
  index: IdempotencyIndex;
  counters: CounterStore;
  sources: UsageSources;
  clickhouse: ClickHouse;
  settings: FlushSettings;
  resolvePeriod: (schedule: ResetSchedule | null, at: number) => CounterPeriod;
  /** Whether a partition is still ours in the given generation, lease renewed: only then is it applied or written. */
  isCurrent: (partition: number, generation: number) => boolean;
  now: () => number;
  /** Right after the counters took the flush, before it is written (snapshots). */
  afterApply?: (work: FlushWork) => Promise<void>;
  afterFlush: (work: FlushWork, seconds: number) => Promise<void>;
  onFailure: (partitions: number[], error: unknown) => void;
  /** Events dropped because their message or their fields do not decode. */
  onRejected: (batch: BatchPosition, rejected: number) => void;
  beforeCheckpoint?: (work: FlushWork) => Promise<void>;
  /** Told of each event as the counters take it (the owner's pending usage; see `applyBatches`). */
  settle?: (partition: number, eventId: string) => void;
}): Flusher {
  let stopped = false;
  let preparing: Promise<Prepared | null> = Promise.resolve(null);
  let writing: Promise<void> = Promise.resolve();

  async function prepare(received: ReceivedBatch[]): Promise<Prepared | null> {
    const started = performance.now();
    try {
      const batches: DecodedBatch[] = received.map(({ partition, generation, seq, storedAt, data }) => {
        const { events, rejected } = decodeEvents(data);
        const batch = { partition, generation, seq, storedAt, events };
        if (rejected > 0) onRejected(batch, rejected);
        return batch;
      });
      await index.prepare(batches);
      // A partition may have stopped during the lookup: apply only what is still ours.
      const current = batches.filter((batch) => isCurrent(batch.partition, batch.generation));
      if (current.length === 0) return null;
      const work = applyBatches({
        batches: current,
        index,
        sources,
        counters,
        resolvePeriod,
        ...(settle ? { settle } : {}),
      });
      await afterApply?.(work);
      return { work, started };
    } catch (error) {
      onFailure(partitionsOf(received), error);
      return null;
    } finally {
      index.release();
    }
  }

  async function write({ work, started }: Prepared): Promise<void> {
    const kept = withoutLost(work, (batch) => isCurrent(batch.partition, batch.generation));
    if (kept.batches.length === 0) return;
    try {
      await writeFlush({
        clickhouse,
        rows: rowsOf(kept),
        writtenAt: now(),
        ...(beforeCheckpoint ? { beforeCheckpoint: () => beforeCheckpoint(kept) } : {}),
      });
      await afterFlush(kept, (performance.now() - started) / 1000);
    } catch (error) {
      onFailure(partitionsOf(kept.batches), error);
    }
  }

  const loop = (async () => {
    while (!stopped) {
      await buffer.waitForGroup(settings.groupBytes, settings.lingerMs);
      if (stopped) break;
      const batches = buffer.take(settings.groupBytes).filter((b) => isCurrent(b.partition, b.generation));
      if (batches.length === 0) continue;
      preparing = prepare(batches);
      const prepared = await preparing;
      await writing;
      if (prepared) writing = write(prepared);
    }
    await writing;
  })();

  return {
    idle: async () => {
      await preparing;
      await writing;
    },
    async stop() {
      stopped = true;
      buffer.close();
      await loop;
    },
  };
}

function partitionsOf(batches: readonly BatchPosition[]): number[] {
  return [...new Set(batches.map((batch) => batch.partition))];
}

function rowsOf(work: FlushWork): FlushRows {
  const parts = [...work.rows.values()];
  return {
    events: concatEncoded(parts.map((part) => part.events)),
    rollups: concatEncoded(parts.map((part) => part.rollups)),
    keys: concatEncoded(parts.map((part) => part.keys)),
    checkpoints: work.checkpoints,
  };
}

/** The work without the partitions that are no longer ours: nothing of theirs is written or published. */
function withoutLost(work: FlushWork, keep: (batch: BatchPosition) => boolean): FlushWork {
  const lost = new Set(work.batches.filter((batch) => !keep(batch)).map((batch) => batch.partition));
  if (lost.size === 0) return work;
  return {
    ...work,
    batches: work.batches.filter((batch) => !lost.has(batch.partition)),
    rows: new Map([...work.rows].filter(([partition]) => !lost.has(partition))),
    checkpoints: new Map([...work.checkpoints].filter(([partition]) => !lost.has(partition))),
    changed: new Set([...work.changed].filter((usage) => !lost.has(usage.partition))),
  };
}
