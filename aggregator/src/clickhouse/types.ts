/**
 * The aggregator's only view of ClickHouse: one SQL dialect, two drivers (DESIGN "Stack").
 * Keep the SQL to what old servers support too (ClickHouse 18.16: MergeTree family, FINAL, -State/-Merge,
 * JSONEachRow and TabSeparated; no Nullable in keys, no DateTime64, no TTL, no lightweight deletes, no query
 * parameters, no JSONCompactEachRow).
 */
export interface ClickHouse {
  /** Which driver answers: a ClickHouse server (`CLICKHOUSE_URL`) or embedded chDB. */
  readonly driver: "server" | "embedded";
  /** Runs a statement that returns no rows: DDL, `INSERT … VALUES`. */
  exec(sql: string): Promise<void>;
  /** Runs a query and returns its rows, read as JSONEachRow (64-bit integers arrive as strings). */
  query<T>(sql: string): Promise<T[]>;
  /**
   * Inserts rows in one INSERT: one block, so all or nothing. Objects go as JSONEachRow; rows encoded beforehand
   * (`encodeRows`, or a table's TabSeparated encoder, which the hot path uses) go as they are, so that a pipeline
   * can prepare the next insert while one is running.
   */
  insert(table: string, rows: readonly object[] | EncodedRows): Promise<void>;
  close(): Promise<void>;
}

/** Rows ready to insert: the bytes, their format, and for TabSeparated the columns in order. */
export interface EncodedRows {
  readonly format: "JSONEachRow" | "TabSeparated";
  readonly columns: readonly string[] | null;
  readonly count: number;
  readonly data: Buffer;
}

/** Queries carry long literal lists (the idempotency keys of a flush): allow them past the 256 KiB default. */
export const MAX_QUERY_SIZE = 64 * 1024 * 1024;

export function encodeRows(rows: readonly object[]): EncodedRows {
  const lines = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) lines[i] = JSON.stringify(rows[i]);
  return { format: "JSONEachRow", columns: null, count: rows.length, data: Buffer.from(lines.join("\n")) };
}

export function encoded(rows: readonly object[] | EncodedRows): EncodedRows {
  return Array.isArray(rows) ? encodeRows(rows) : (rows as EncodedRows);
}

/** The INSERT statement for encoded rows. */
export function insertStatement(table: string, rows: EncodedRows): string {
  return `INSERT INTO ${table}${rows.columns ? ` (${rows.columns.join(", ")})` : ""} FORMAT ${rows.format}`;
}

/** Several encodings of the same table's rows as one INSERT's payload. */
export function concatEncoded(parts: readonly EncodedRows[]): EncodedRows {
  const nonEmpty = parts.filter((part) => part.count > 0);
  const first = nonEmpty[0] ?? parts[0];
  if (!first) return { format: "JSONEachRow", columns: null, count: 0, data: Buffer.alloc(0) };
  if (nonEmpty.length <= 1) return first;
  const chunks: Buffer[] = [];
  for (const part of nonEmpty) chunks.push(part.data, NEWLINE);
  return {
    format: first.format,
    columns: first.columns,
    count: nonEmpty.reduce((total, part) => total + part.count, 0),
    data: Buffer.concat(chunks),
  };
}

const NEWLINE = Buffer.from("\n");
