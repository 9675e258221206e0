import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openServerClickHouse } from "./server";
import type { ClickHouse } from "./types";

const url = process.env.CLICKHOUSE_TEST_URL;

// Runs only where a ClickHouse server is configured for tests (DESIGN "Testing"; CI sets it).
describe.skipIf(!url)("ClickHouse server driver", () => {
  const table = `lumen_test_${randomUUID().replaceAll("-", "")}`;
  let clickhouse: ClickHouse;

  beforeAll(() => {
    clickhouse = openServerClickHouse({ url: url! });
  });
  afterAll(async () => {
    await clickhouse.exec(`DROP TABLE IF EXISTS ${table}`);
    await clickhouse.close();
  });

  it("creates a table, inserts and selects rows, 64-bit integers as strings", async () => {
    await clickhouse.exec(`CREATE TABLE ${table} (id UInt32, name String) ENGINE = MergeTree ORDER BY id`);
    await clickhouse.exec(`INSERT INTO ${table} VALUES (1, 'a'), (2, 'b')`);
    expect(await clickhouse.query(`SELECT id, name FROM ${table} ORDER BY id`)).toEqual([
      { id: 1, name: "a" },
      { id: 2, name: "b" },
    ]);
    expect(await clickhouse.query(`SELECT count() AS n FROM ${table}`)).toEqual([{ n: "2" }]);
  });

  it("inserts rows as JSONEachRow, strings with quotes and newlines intact", async () => {
    await clickhouse.insert(table, [{ id: 3, name: 'it\'s\n"fine"' }]);
    expect(await clickhouse.query(`SELECT name FROM ${table} WHERE id = 3`)).toEqual([{ name: 'it\'s\n"fine"' }]);
    await clickhouse.insert(table, []);
  });
});
