import { isNewerThan, type LumenEnv, type UsageApplication } from "@lumen/core";
import { encodeTabSeparated, tsvString, tsvStrings } from "../clickhouse/tab-separated";
import type { EncodedRows } from "../clickhouse/types";

const MINUTE_MS = 60_000;

/** A row of `rollups`. */
export interface RollupRow {
  partition: number;
  env: LumenEnv;
  customer: string;
  feature: string;
  entity: string;
  period_start: number;
  /** 0 for counters that never reset. */
  period_end: number;
  bucket: number;
  first_seq: number;
  events: number;
  sum: number;
  max: number;
  latest: number;
  latest_at: number;
  latest_seq: number;
  latest_idx: number;
  tokens: string[];
}

/** The minute of an event, moved up to its period's start when the period starts within that minute. */
export function bucketOf(timestamp: number, periodStart: number): number {
  return Math.max(timestamp - (((timestamp % MINUTE_MS) + MINUTE_MS) % MINUTE_MS), periodStart);
}

/**
 * Sums a flush's readings into per-minute rows. `firstSeq` per partition names the flush in the row key, so
 * that writing the same flush again (recovery) replaces its rows. Add inputs in stream order.
 */
export class RollupBuilder {
  private readonly rows = new Map<string, { row: RollupRow; tokens: Set<string> | null }>();

  constructor(private readonly firstSeq: ReadonlyMap<number, number>) {}

  /** Adds an application of a reading to the (customer, feature, entity) counter; entity '' for none. */
  add(
    partition: number,
    env: LumenEnv,
    customer: string,
    feature: string,
    entity: string,
    { period, timestamp, seq, index, reading, token }: UsageApplication,
  ): void {
    const bucket = bucketOf(timestamp, period.start);
    const key = `${partition}\u0000${env}\u0000${customer}\u0000${feature}\u0000${entity}\u0000${bucket}\u0000${period.start}`;
    const entry = this.rows.get(key);
    if (entry === undefined) {
      const row: RollupRow = {
        partition,
        env,
        customer,
        feature,
        entity,
        period_start: period.start,
        period_end: period.end ?? 0,
        bucket,
        first_seq: this.firstSeq.get(partition) ?? seq,
        events: 1,
        sum: reading,
        max: reading,
        latest: reading,
        latest_at: timestamp,
        latest_seq: seq,
        latest_idx: index,
        tokens: [],
      };
      this.rows.set(key, { row, tokens: token === null ? null : new Set([token]) });
      return;
    }
    const { row } = entry;
    row.events += 1;
    row.sum += reading;
    if (reading > row.max) row.max = reading;
    if (isNewerThan(timestamp, seq, index, row.latest_at, row.latest_seq, row.latest_idx)) {
      row.latest = reading;
      row.latest_at = timestamp;
      row.latest_seq = seq;
      row.latest_idx = index;
    }
    if (token !== null) {
      entry.tokens ??= new Set();
      entry.tokens.add(token);
    }
  }

  build(): RollupRow[] {
    const rows: RollupRow[] = [];
    for (const { row, tokens } of this.rows.values()) {
      rows.push(tokens === null ? row : { ...row, tokens: [...tokens] });
    }
    return rows;
  }
}

const ROLLUP_COLUMNS = [
  "partition",
  "env",
  "customer",
  "feature",
  "entity",
  "period_start",
  "period_end",
  "bucket",
  "first_seq",
  "events",
  "sum",
  "max",
  "latest",
  "latest_at",
  "latest_seq",
  "latest_idx",
  "tokens",
] as const;

export function encodeRollupRows(rows: readonly RollupRow[]): EncodedRows {
  return encodeTabSeparated(
    rows,
    ROLLUP_COLUMNS,
    (r) =>
      `${r.partition}\t${r.env}\t${tsvString(r.customer)}\t${tsvString(r.feature)}\t${tsvString(r.entity)}\t${r.period_start}\t${r.period_end}\t${r.bucket}\t${r.first_seq}\t${r.events}\t${r.sum}\t${r.max}\t${r.latest}\t${r.latest_at}\t${r.latest_seq}\t${r.latest_idx}\t${tsvStrings(r.tokens)}`,
  );
}
