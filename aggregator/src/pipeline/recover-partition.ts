import type { ClickHouse } from "../clickhouse";
import { keyRow } from "../dedup/idempotency-index";
import { type CustomerUsage, usageKey } from "../state/counter-store";
import { readCheckpoint } from "../storage/checkpoints";
import type { KeyRow } from "../storage/idempotency-store";
import { applicationsOf, eventOfRow, readEventsAfter } from "../storage/raw-events";
import { rebuildCounters } from "../storage/rebuild-counters";
import { RollupBuilder } from "../storage/rollups";
import { writeFlush } from "../storage/write-flush";

export interface RecoveredPartition {
  /** The last stream sequence applied: reading resumes after it. */
  seq: number;
  /** The partition's counters, rebuilt from the rollups. */
  customers: Map<string, CustomerUsage>;
  /** Customers of a flush that was written without its checkpoint (their snapshots may never have gone out). */
  repaired: Set<string>;
}

/**
 * Makes a partition's ClickHouse state whole and reads its counters back, on start or takeover. A flush whose
 * events were written but not its checkpoint (a crash, a lost lease, a failed insert) is completed from the
 * decisions stored with those events — never decided again, since the catalog or definitions may have changed
 * since — so its rollup rows are written again under the same keys and replace whatever part of them landed.
 */
export async function recoverPartition({
  clickhouse,
  partition,
  writtenAt,
}: {
  clickhouse: ClickHouse;
  partition: number;
  writtenAt: number;
}): Promise<RecoveredPartition> {
  let seq = await readCheckpoint(clickhouse, partition);
  const rows = await readEventsAfter({ clickhouse, partition, afterSeq: seq });
  const repaired = new Set<string>();
  if (rows.length > 0) {
    const rollups = new RollupBuilder(new Map([[partition, rows[0]!.seq]]));
    const keyRows: KeyRow[] = [];
    for (const row of rows) {
      if (row.counted === 0) continue;
      repaired.add(usageKey(row.env, row.customer));
      if (row.idempotency_key !== "") keyRows.push(keyRow(eventOfRow(row), partition, row.seq, row.idx));
      for (const { feature, application } of applicationsOf(row)) {
        rollups.add(partition, row.env, row.customer, feature, row.entity, application);
      }
    }
    seq = rows[rows.length - 1]!.seq;
    await writeFlush({
      clickhouse,
      rows: { events: [], rollups: rollups.build(), keys: keyRows, checkpoints: new Map([[partition, seq]]) },
      writtenAt,
    });
  }
  return { seq, customers: await rebuildCounters(clickhouse, partition), repaired };
}
