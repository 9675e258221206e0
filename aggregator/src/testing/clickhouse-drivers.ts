import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ClickHouse } from "../clickhouse";
import { openEmbeddedClickHouse } from "../clickhouse/embedded";
import { openServerClickHouse } from "../clickhouse/server";

/** A ClickHouse for one test file: embedded in a temporary directory, or a fresh database on the server. */
export interface TestClickHouse {
  name: "embedded" | "server";
  open(): Promise<ClickHouse>;
  /** Closes it and removes the directory or drops the database. */
  dispose(): Promise<void>;
}

/** Embedded always; the server too when CLICKHOUSE_TEST_URL is set (DESIGN "Testing"). */
export function testClickHouses(): TestClickHouse[] {
  const url = process.env.CLICKHOUSE_TEST_URL;
  return url ? [embedded(), server(url)] : [embedded()];
}

function embedded(): TestClickHouse {
  let dir: string | null = null;
  let clickhouse: ClickHouse | null = null;
  return {
    name: "embedded",
    async open() {
      dir = mkdtempSync(join(tmpdir(), "lumen-aggregator-"));
      clickhouse = openEmbeddedClickHouse({ path: join(dir, "clickhouse") });
      return clickhouse;
    },
    async dispose() {
      await clickhouse?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

function server(url: string): TestClickHouse {
  const database = `lumen_${process.env.LUMEN_TEST_RUN ?? "t"}_${randomBytes(4).toString("hex")}`;
  const root = openServerClickHouse({ url });
  let clickhouse: ClickHouse | null = null;
  return {
    name: "server",
    async open() {
      await root.exec(`CREATE DATABASE ${database}`);
      const withDatabase = new URL(url);
      withDatabase.pathname = `/${database}`;
      clickhouse = openServerClickHouse({ url: withDatabase.toString() });
      return clickhouse;
    },
    async dispose() {
      await clickhouse?.close();
      await root.exec(`DROP DATABASE IF EXISTS ${database}`);
      await root.close();
    },
  };
}
