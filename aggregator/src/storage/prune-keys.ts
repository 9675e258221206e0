import { IDEMPOTENCY_WINDOW_MS } from "@lumen/core";
import type { ClickHouse } from "../clickhouse";

/** `idempotency_keys` is partitioned by this much receive time (see TABLES). */
const KEY_PARTITION_MS = 2_592_000_000;
// Keys stay while an event could still be compared with them: the window, plus a replay from the stream.
const KEEP_MS = IDEMPOTENCY_WINDOW_MS + 7 * 86_400_000;

/**
 * Drops the `idempotency_keys` partitions that hold only keys past the window (ClickHouse 18.16 has no TTL).
 * Safe to run from every aggregator at once; returns the partitions dropped.
 */
export async function pruneIdempotencyKeys(clickhouse: ClickHouse, now: number): Promise<string[]> {
  // A partition holds receive times [id × 30 days, (id + 1) × 30 days): drop it once its end is past what we keep.
  const newestDroppable = Math.floor((now - KEEP_MS) / KEY_PARTITION_MS) - 1;
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
