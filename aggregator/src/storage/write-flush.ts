import type { ClickHouse } from "../clickhouse";
import type { EncodedRows } from "../clickhouse/types";
import { writeCheckpoints } from "./checkpoints";
import type { KeyRow } from "./idempotency-store";
import type { RawEventRow } from "./raw-events";
import type { RollupRow } from "./rollups";

export interface FlushRows {
  events: readonly RawEventRow[] | EncodedRows;
  rollups: readonly RollupRow[] | EncodedRows;
  keys: readonly KeyRow[] | EncodedRows;
  /** Per partition, the last stream sequence the flush covers. */
  checkpoints: ReadonlyMap<number, number>;
}

/**
 * Writes one flush so that a crash at any point is repaired by recovery: first the raw events (one INSERT, one
 * part: all or nothing), which record every decision; then the rollups and the keys, which recovery can derive
 * from those events again; last the checkpoints, after which the flush is never looked at again.
 */
export async function writeFlush({
  clickhouse,
  rows,
  writtenAt,
  beforeCheckpoint,
}: {
  clickhouse: ClickHouse;
  rows: FlushRows;
  writtenAt: number;
  /** Tests stop here to play a crash between the data and the checkpoint. */
  beforeCheckpoint?: () => Promise<void>;
}): Promise<void> {
  await clickhouse.insert("events", rows.events);
  await Promise.all([clickhouse.insert("rollups", rows.rollups), clickhouse.insert("idempotency_keys", rows.keys)]);
  await beforeCheckpoint?.();
  await writeCheckpoints(clickhouse, rows.checkpoints, writtenAt);
}
