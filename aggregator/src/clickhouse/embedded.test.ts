import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openEmbeddedClickHouse, parseJsonEachRow } from "./embedded";
import type { ClickHouse } from "./types";

describe("embedded ClickHouse (chDB)", () => {
  let dir: string;
  let clickhouse: ClickHouse;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "lumen-chdb-"));
    clickhouse = openEmbeddedClickHouse({ path: join(dir, "clickhouse") });
  });
  afterAll(async () => {
    await clickhouse.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates a table, inserts and selects rows", async () => {
    await clickhouse.exec(
      "CREATE TABLE usage (customer String, minute DateTime, quantity Float64) ENGINE = MergeTree ORDER BY (customer, minute)",
    );
    await clickhouse.exec(
      "INSERT INTO usage VALUES ('acme', '2025-01-01 00:00:00', 2), ('acme', '2025-01-01 00:01:00', 3), ('zeta', '2025-01-01 00:00:00', 1)",
    );
    const rows = await clickhouse.query<{ customer: string; total: number }>(
      "SELECT customer, sum(quantity) AS total FROM usage GROUP BY customer ORDER BY customer",
    );
    expect(rows).toEqual([
      { customer: "acme", total: 5 },
      { customer: "zeta", total: 1 },
    ]);
  });

  it("keeps the data on disk across a close and a reopen", async () => {
    await clickhouse.close();
    clickhouse = openEmbeddedClickHouse({ path: join(dir, "clickhouse") });
    expect(await clickhouse.query("SELECT count() AS n FROM usage")).toEqual([{ n: "3" }]);
  });

  it("inserts rows as JSONEachRow, strings with quotes and newlines intact", async () => {
    await clickhouse.insert("usage", [{ customer: 'it\'s\n"q"', minute: "2025-01-01 00:02:00", quantity: 0.5 }]);
    expect(await clickhouse.query("SELECT customer FROM usage WHERE quantity = 0.5")).toEqual([
      { customer: 'it\'s\n"q"' },
    ]);
    await clickhouse.insert("usage", []);
  });

  it("returns no rows for an empty result", async () => {
    expect(await clickhouse.query("SELECT 1 AS one WHERE 0")).toEqual([]);
  });

  it("rejects bad SQL", async () => {
    await expect(clickhouse.exec("SELEC 1")).rejects.toThrow(/Syntax error/);
  });
});

describe("parseJsonEachRow", () => {
  it("reads one object per line and ignores blank lines", () => {
    expect(parseJsonEachRow('{"a":1}\n\n{"a":2}\n')).toEqual([{ a: 1 }, { a: 2 }]);
  });
});
