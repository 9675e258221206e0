import { afterEach, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database";
import { findKey } from "./api-keys";
import { bootstrapKeys } from "./bootstrap";

let database: TestDatabase | undefined;
afterEach(async () => {
  await database?.drop();
  database = undefined;
});

describe("bootstrapKeys", () => {
  it("creates one key per environment on an empty database, once", async () => {
    database = await createTestDatabase();
    const first = await bootstrapKeys(database.pool, []);
    expect(first.created?.test).toMatch(/^lum_sk_test_/);
    expect(first.created?.live).toMatch(/^lum_sk_live_/);
    expect(await findKey(database.pool, first.created!.live)).toMatchObject({ env: "live" });
    const second = await bootstrapKeys(database.pool, []);
    expect(second.created).toBeNull();
    const { rows } = await database.pool.query("SELECT key_hash FROM api_keys");
    expect(rows.every((row) => !String(row.key_hash).startsWith("lum_sk_"))).toBe(true);
  });

  it("registers LUMEN_API_KEY keys for their environments at every start", async () => {
    database = await createTestDatabase();
    await bootstrapKeys(database.pool, []);
    const known = ["lum_sk_test_knownkey1234", "lum_sk_live_knownkey1234"];
    const result = await bootstrapKeys(database.pool, known);
    expect(result.registered).toHaveLength(2);
    expect(await findKey(database.pool, known[0]!)).toMatchObject({ env: "test" });
    expect(await findKey(database.pool, known[1]!)).toMatchObject({ env: "live" });
    expect(await findKey(database.pool, "lum_sk_test_unknownkey12")).toBeNull();
  });
});
