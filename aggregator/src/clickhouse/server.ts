import { Readable } from "node:stream";
import { createClient } from "@clickhouse/client";
import { type ClickHouse, encoded, insertStatement, MAX_QUERY_SIZE } from "./types";

/** A ClickHouse server over HTTP; `url` may carry credentials and a database: http://user:pass@host:8123/db. */
export function openServerClickHouse({ url }: { url: string }): ClickHouse {
  // Stated rather than inherited, so both drivers give 64-bit integers as JSON strings.
  const client = createClient({
    url,
    clickhouse_settings: { output_format_json_quote_64bit_integers: 1, max_query_size: String(MAX_QUERY_SIZE) },
  });
  return {
    driver: "server",
    async exec(sql) {
      await client.command({ query: sql });
    },
    async query<T>(sql: string) {
      const result = await client.query({ query: sql, format: "JSONEachRow" });
      return result.json<T>();
    },
    async insert(table, rows) {
      const rowsToSend = encoded(rows);
      if (rowsToSend.count === 0) return;
      const result = await client.exec({
        query: insertStatement(table, rowsToSend),
        values: Readable.from([rowsToSend.data], { objectMode: false }),
      });
      // The response body must be read to the end, or the socket is not reused.
      for await (const _chunk of result.stream) {
      }
    },
    close: () => client.close(),
  };
}
