import { mkdirSync } from "node:fs";
import { drainPending, Session } from "chdb";
import { type ClickHouse, encoded, MAX_QUERY_SIZE } from "./types";

/**
 * Embedded ClickHouse (chDB) on a data directory. chDB locks the directory, so one process
 * at a time: embedded mode runs one aggregator, and scale-out sets CLICKHOUSE_URL.
 */
export function openEmbeddedClickHouse({ path }: { path: string }): ClickHouse {
  mkdirSync(path, { recursive: true });
  const session = openSession(path);
  return {
    driver: "embedded",
    async exec(sql) {
      await session.queryAsync(sql);
    },
    async query<T>(sql: string) {
      const result = await session.queryAsync(sql, { format: "JSONEachRow" });
      return parseJsonEachRow<T>(result.text());
    },
    async insert(table, rows) {
      const { count, data, format, columns } = encoded(rows);
      if (count > 0) await session.insert({ table, values: data, format, ...(columns ? { columns } : {}) });
    },
    async close() {
      session.close();
      // close() can return while the engine still holds the connection; wait until it is free.
      await drainPending();
    },
  };
}

function openSession(path: string): Session {
  try {
    // 64-bit integers as JSON strings, as a ClickHouse server sends them: no precision lost past 2^53.
    return new Session(path, {
      connectionArgs: ["--output_format_json_quote_64bit_integers=1", `--max_query_size=${MAX_QUERY_SIZE}`],
    });
  } catch (error) {
    if (error instanceof Error && error.message.includes("Cannot lock file")) {
      throw new Error(
        `Embedded ClickHouse data directory ${path} is in use by another process; run one aggregator per data directory, or set CLICKHOUSE_URL`,
        { cause: error },
      );
    }
    throw error;
  }
}

export function parseJsonEachRow<T>(text: string): T[] {
  const rows: T[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() !== "") rows.push(JSON.parse(line) as T);
  }
  return rows;
}
