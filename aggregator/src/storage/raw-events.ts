import type { LumenEnv, UsageApplication, UsageEvent } from "@lumen/core";
import type { ClickHouse } from "../clickhouse";
import { encodeTabSeparated, tsvNumbers, tsvString, tsvStrings } from "../clickhouse/tab-separated";
import type { EncodedRows } from "../clickhouse/types";
import { int } from "./schema";

/** A row of `events`: the event, its place in the stream, and what the flush decided for it (arrays: per reading). */
export interface RawEventRow {
  partition: number;
  seq: number;
  idx: number;
  id: string;
  env: LumenEnv;
  customer: string;
  feature: string;
  event: string;
  entity: string;
  value: number;
  properties: string;
  timestamp: number;
  received_at: number;
  idempotency_key: string;
  counted: 0 | 1;
  features: string[];
  period_starts: number[];
  period_ends: number[];
  readings: number[];
  tokens: string[];
}

// Most events apply no or one reading: rows share these until a reading is added (to fresh arrays).
const NONE: never[] = [];

export function rawEventRow(event: UsageEvent, partition: number, seq: number, index: number): RawEventRow {
  return {
    partition,
    seq,
    idx: index,
    id: event.id,
    env: event.env,
    customer: event.customer,
    feature: event.feature ?? "",
    event: event.event ?? "",
    entity: event.entity ?? "",
    value: event.value,
    properties: event.properties === null ? "" : JSON.stringify(event.properties),
    timestamp: event.timestamp,
    received_at: event.receivedAt,
    idempotency_key: event.idempotencyKey ?? "",
    counted: 1,
    features: NONE,
    period_starts: NONE,
    period_ends: NONE,
    readings: NONE,
    tokens: NONE,
  };
}

const EVENT_COLUMNS = [
  "partition",
  "seq",
  "idx",
  "id",
  "env",
  "customer",
  "feature",
  "event",
  "entity",
  "value",
  "properties",
  "timestamp",
  "received_at",
  "idempotency_key",
  "counted",
  "features",
  "period_starts",
  "period_ends",
  "readings",
  "tokens",
] as const;

/** Raw event rows as TabSeparated, for the flush's INSERT. */
export function encodeEventRows(rows: readonly RawEventRow[]): EncodedRows {
  return encodeTabSeparated(
    rows,
    EVENT_COLUMNS,
    (r) =>
      `${r.partition}\t${r.seq}\t${r.idx}\t${tsvString(r.id)}\t${r.env}\t${tsvString(r.customer)}\t${tsvString(r.feature)}\t${tsvString(r.event)}\t${tsvString(r.entity)}\t${r.value}\t${tsvString(r.properties)}\t${r.timestamp}\t${r.received_at}\t${tsvString(r.idempotency_key)}\t${r.counted}\t${tsvStrings(r.features)}\t${tsvNumbers(r.period_starts)}\t${tsvNumbers(r.period_ends)}\t${tsvNumbers(r.readings)}\t${tsvStrings(r.tokens)}`,
  );
}

/** The readings a stored event applied (recovery rebuilds a flush's rollups from them). */
export function applicationsOf(row: RawEventRow): { feature: string; application: UsageApplication }[] {
  return row.features.map((feature, i) => ({
    feature,
    application: {
      period: { start: row.period_starts[i] ?? 0, end: row.period_ends[i] || null },
      timestamp: row.timestamp,
      seq: row.seq,
      index: row.idx,
      reading: row.readings[i] ?? 0,
      token: row.tokens[i] || null,
    },
  }));
}

/** A stored row back as an event (for the events query and for recovery). */
export function eventOfRow(row: RawEventRow): UsageEvent {
  return {
    id: row.id,
    env: row.env,
    customer: row.customer,
    feature: row.feature || null,
    event: row.event || null,
    entity: row.entity || null,
    value: row.value,
    properties: row.properties === "" ? null : JSON.parse(row.properties),
    timestamp: row.timestamp,
    receivedAt: row.received_at,
    idempotencyKey: row.idempotency_key || null,
  };
}

/** The partition's stored events after `afterSeq`, in stream order: a flush written without its checkpoint. */
export async function readEventsAfter({
  clickhouse,
  partition,
  afterSeq,
}: {
  clickhouse: ClickHouse;
  partition: number;
  afterSeq: number;
}): Promise<RawEventRow[]> {
  const rows = await clickhouse.query<StoredRow>(
    `SELECT * FROM events FINAL WHERE partition = ${partition} AND seq > ${afterSeq} ORDER BY seq, idx`,
  );
  return rows.map(parseStoredRow);
}

type StoredRow = Omit<RawEventRow, "seq" | "timestamp" | "received_at" | "period_starts" | "period_ends"> & {
  seq: string;
  timestamp: string;
  received_at: string;
  period_starts: string[];
  period_ends: string[];
};

export function parseStoredRow(row: StoredRow): RawEventRow {
  return {
    ...row,
    seq: int(row.seq),
    timestamp: int(row.timestamp),
    received_at: int(row.received_at),
    period_starts: row.period_starts.map(int),
    period_ends: row.period_ends.map(int),
  };
}
