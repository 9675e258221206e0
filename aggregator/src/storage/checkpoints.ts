import type { ClickHouse } from "../clickhouse";
import { int } from "./schema";

/** The last stream sequence of the partition whose events, rollups and keys are all written (0: none). */
export async function readCheckpoint(clickhouse: ClickHouse, partition: number): Promise<number> {
  const rows = await clickhouse.query<{ seq: string }>(
    `SELECT max(seq) AS seq FROM checkpoints WHERE partition = ${partition}`,
  );
  return int(rows[0]?.seq ?? 0);
}

export async function writeCheckpoints(
  clickhouse: ClickHouse,
  checkpoints: ReadonlyMap<number, number>,
  writtenAt: number,
): Promise<void> {
  const rows = [...checkpoints].map(([partition, seq]) => ({ partition, seq, written_at: writtenAt }));
  await clickhouse.insert("checkpoints", rows);
}
