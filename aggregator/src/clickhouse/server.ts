import { createClient } from "@clickhouse/client";
import type { ClickHouse } from "./types";

/** A ClickHouse server over HTTP; `url` may carry credentials and a database: http://user:pass@host:8123/db. */
export function openServerClickHouse({ url }: { url: string }): ClickHouse {
  // Stated rather than inherited, so both drivers give 64-bit integers as JSON strings.
  const client = createClient({ url, clickhouse_settings: { output_format_json_quote_64bit_integers: 1 } });
  return {
    driver: "server",
    async exec(sql) {
      await client.command({ query: sql });
    },
    async query<T>(sql: string) {
      const result = await client.query({ query: sql, format: "JSONEachRow" });
      return result.json<T>();
    },
    close: () => client.close(),
  };
}
