import { join } from "node:path";
import { openEmbeddedClickHouse } from "./embedded";
import { openServerClickHouse } from "./server";
import type { ClickHouse } from "./types";

export type { ClickHouse } from "./types";

/** The server when `CLICKHOUSE_URL` is set, otherwise embedded chDB in `${dataDir}/clickhouse`. */
export function openClickHouse({ url, dataDir }: { url: string | undefined; dataDir: string }): ClickHouse {
  return url ? openServerClickHouse({ url }) : openEmbeddedClickHouse({ path: join(dataDir, "clickhouse") });
}
