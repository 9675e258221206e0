import type { ClickHouse } from "../clickhouse";

/**
 * The aggregator's tables. Every write is keyed so that writing the same flush again replaces rather than adds
 * (ReplacingMergeTree, read with FINAL or with aggregates that a repeat does not change):
 *
 * - `events`: raw events keyed by their place in the stream (partition, seq, idx), with what the flush decided
 *   for each (counted or a repeated idempotency key; the features, periods, readings and tokens it applied).
 *   One INSERT per flush, unpartitioned so that it lands as one part: all of a flush or nothing.
 * - `rollups`: per minute, customer, feature, entity and period, keyed by the flush's first sequence of the
 *   partition; `bucket` is the minute, moved up to the period start when a period starts within the minute.
 * - `idempotency_keys`: each counted occurrence of a key, looked up by partition and a 53-bit hash of
 *   (env, customer, key) and compared in full; partitioned by 30 days of receive time for dropping old ones.
 * - `checkpoints`: per partition, the last stream sequence whose events, rollups and keys are all written.
 */
export const TABLES = {
  events: `CREATE TABLE IF NOT EXISTS events (
    partition UInt16, seq UInt64, idx UInt32,
    id String, env String, customer String, feature String, event String, entity String,
    value Float64, properties String, timestamp Int64, received_at Int64, idempotency_key String,
    counted UInt8, features Array(String), period_starts Array(Int64), period_ends Array(Int64),
    readings Array(Float64), tokens Array(String)
  ) ENGINE = ReplacingMergeTree ORDER BY (partition, seq, idx)`,
  rollups: `CREATE TABLE IF NOT EXISTS rollups (
    partition UInt16, env String, customer String, feature String, entity String,
    period_start Int64, period_end Int64, bucket Int64, first_seq UInt64,
    events UInt64, sum Float64, max Float64, latest Float64, latest_at Int64, latest_seq UInt64, latest_idx UInt32,
    tokens Array(String)
  ) ENGINE = ReplacingMergeTree ORDER BY (partition, env, customer, feature, entity, bucket, period_start, first_seq)`,
  idempotency_keys: `CREATE TABLE IF NOT EXISTS idempotency_keys (
    hash UInt64, env String, customer String, key String, partition UInt16, seq UInt64, idx UInt32, received_at Int64
  ) ENGINE = ReplacingMergeTree PARTITION BY intDiv(received_at, 2592000000) ORDER BY (partition, hash, seq, idx)`,
  checkpoints: `CREATE TABLE IF NOT EXISTS checkpoints (partition UInt16, seq UInt64, written_at Int64)
    ENGINE = ReplacingMergeTree(seq) ORDER BY partition`,
} as const;

export async function ensureSchema(clickhouse: ClickHouse): Promise<void> {
  for (const statement of Object.values(TABLES)) await clickhouse.exec(statement);
}

/** A string literal for SQL: ClickHouse escapes backslash and quote. */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/** A 64-bit integer column as JSONEachRow gives it (a string); exact below 2^53. */
export function int(value: string | number): number {
  return typeof value === "number" ? value : Number(value);
}
