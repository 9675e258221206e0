import type { LumenEnv } from "../events/usage-event";

/** One counter of a customer's usage in the period that contains its newest event. */
export interface UsageCounter {
  feature: string;
  entity: string | null;
  /** ms since the epoch; half-open [periodStart, periodEnd). `periodEnd` is null for `never`. */
  periodStart: number;
  periodEnd: number | null;
  /** count/sum: the total; max: the largest; latest: the newest value; unique_count: distinct values. */
  value: number;
}

/** What the owner publishes for a customer after each flush, and keeps in the balances bucket. */
export interface UsageSnapshot {
  env: LumenEnv;
  customer: string;
  partition: number;
  /** Stream sequence of the newest applied batch of the partition: newer snapshots have higher ones. */
  seq: number;
  /** Event time (ms) of the newest event included. */
  asOf: number;
  counters: UsageCounter[];
}

/** Per partition, in the watermarks bucket. */
export interface PartitionWatermark {
  partition: number;
  owner: string;
  /** Stream sequence applied (written to ClickHouse and to the counters). */
  seq: number;
  /** Wall-clock time (ms) up to which every event received is applied. */
  watermark: number;
}

export interface QueryError {
  error: { code: string; message: string };
}
