import { IDEMPOTENCY_WINDOW_MS } from "@lumen/core";
import type { ClickHouse } from "../clickhouse";

/** `idempotency_keys` is partitioned by this much receive time (see TABLES). */
const KEY_PARTITION_MS = 2_592_000_000;

/**
 * Drops the `idempotency_keys` partitions that hold only keys no event can be compared with any more (ClickHouse
 * 18.16 has no TTL): an event still in the stream was received at most `replayMs` ago (the stream's max age),
 * and looks back 35 days from then. Safe to run from every aggregator at once; returns the partitions dropped.
 */
export async function pruneIdempotencyKeys({
  clickhouse,
  now,
  replayMs,
}: {
  clickhouse: ClickHouse;
  now: number;
  replayMs: number;
}): Promise<string[]> {
  // A partition holds receive times [id × 30 days, (id + 1) × 30 days): drop it once its end is past what we keep.
  const newestDroppable = Math.floor((now - IDEMPOTENCY_WINDOW_MS - replayMs) / KEY_PARTITION_MS) - 1;
  const parts = await clickhouse.query<{ partition: string }>(
    `SELECT DISTINCT partition FROM system.parts
     WHERE database = currentDatabase() AND table = 'idempotency_keys' AND active`,
  );
  const dropped: string[] = [];
  for (const { partition } of parts) {
    if (!/^\d+$/.test(partition) || Number(partition) > newestDroppable) continue;
    await clickhouse.exec(`ALTER TABLE idempotency_keys DROP PARTITION ${partition}`);
    dropped.push(partition);
  }
  return dropped;
}
