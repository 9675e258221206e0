import { IDEMPOTENCY_WINDOW_MS } from "@lumen/core";
import type { ClickHouse } from "../clickhouse";
import { encodeTabSeparated, tsvString } from "../clickhouse/tab-separated";
import type { EncodedRows } from "../clickhouse/types";
import { int } from "./schema";

/** A counted occurrence of an idempotency key: where it sits in its partition's stream, and when it arrived. */
export interface KeyOccurrence {
  seq: number;
  index: number;
  receivedAt: number;
}

/** A row of `idempotency_keys`. */
export interface KeyRow {
  hash: number;
  env: string;
  customer: string;
  key: string;
  partition: number;
  seq: number;
  idx: number;
  received_at: number;
}

const KEY_COLUMNS = ["hash", "env", "customer", "key", "partition", "seq", "idx", "received_at"] as const;

export function encodeKeyRows(rows: readonly KeyRow[]): EncodedRows {
  return encodeTabSeparated(
    rows,
    KEY_COLUMNS,
    (r) =>
      `${r.hash}\t${r.env}\t${tsvString(r.customer)}\t${tsvString(r.key)}\t${r.partition}\t${r.seq}\t${r.idx}\t${r.received_at}`,
  );
}

/** `env\0customer\0key`: how a key is named in memory. */
export function fullKey(env: string, customer: string, key: string): string {
  return `${env}\u0000${customer}\u0000${key}`;
}

// Keeps each query well inside the server's limits on query size and literal lists.
const LOOKUP_CHUNK = 10_000;

/**
 * The counted occurrences of the given keys (by partition and hash, checked in full) received since `since` minus
 * the window. Returns them by `fullKey`.
 */
export async function lookupKeyOccurrences({
  clickhouse,
  partitions,
  hashes,
  since,
}: {
  clickhouse: ClickHouse;
  partitions: ReadonlySet<number>;
  /** `idempotencyHash` of each key looked up. */
  hashes: ReadonlySet<number>;
  since: number;
}): Promise<Map<string, KeyOccurrence[]>> {
  const found = new Map<string, KeyOccurrence[]>();
  const all = [...hashes];
  for (let start = 0; start < all.length; start += LOOKUP_CHUNK) {
    const chunk = all.slice(start, start + LOOKUP_CHUNK);
    const rows = await clickhouse.query<{
      env: string;
      customer: string;
      key: string;
      seq: string;
      idx: number;
      received_at: string;
    }>(
      `SELECT env, customer, key, seq, idx, received_at FROM idempotency_keys
       WHERE partition IN (${[...partitions].join(",")}) AND hash IN (SELECT arrayJoin([${chunk.join(",")}]))
         AND received_at >= ${Math.floor(since - IDEMPOTENCY_WINDOW_MS)}`,
    );
    for (const row of rows) {
      const name = fullKey(row.env, row.customer, row.key);
      const list = found.get(name) ?? [];
      list.push({ seq: int(row.seq), index: row.idx, receivedAt: int(row.received_at) });
      found.set(name, list);
    }
  }
  return found;
}

/** The hashes of a partition's keys received since `since` (to fill its filter when the partition starts). */
export async function loadKeyHashes({
  clickhouse,
  partition,
  since,
  limit,
}: {
  clickhouse: ClickHouse;
  partition: number;
  since: number;
  /** At most this many (a filter holds no more); more than that returns null. */
  limit: number;
}): Promise<number[] | null> {
  const rows = await clickhouse.query<{ hash: string }>(
    `SELECT hash FROM idempotency_keys WHERE partition = ${partition} AND received_at >= ${Math.floor(since)}
     LIMIT ${limit + 1}`,
  );
  return rows.length > limit ? null : rows.map((row) => int(row.hash));
}
