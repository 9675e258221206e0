/**
 * The aggregator's only view of ClickHouse: one SQL dialect, two drivers (DESIGN "Stack").
 * Keep the SQL to what old servers support too (MergeTree family, -State/-Merge).
 */
export interface ClickHouse {
  /** Which driver answers: a ClickHouse server (`CLICKHOUSE_URL`) or embedded chDB. */
  readonly driver: "server" | "embedded";
  /** Runs a statement that returns no rows: DDL, `INSERT … VALUES`. */
  exec(sql: string): Promise<void>;
  /** Runs a query and returns its rows, read as JSONEachRow. */
  query<T>(sql: string): Promise<T[]>;
  close(): Promise<void>;
}
