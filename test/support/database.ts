import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate } from "../../billing/src/db/migrate";
import { createPool, type Pool } from "../../billing/src/db/pool";

export interface TestDatabase {
  url: string;
  name: string;
  pool: Pool;
  drop(): Promise<void>;
}

function adminUrl(): string {
  return process.env.LUMEN_TEST_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
}

/** A fresh, migrated database of this test run; the global teardown drops any left behind. */
export async function createTestDatabase({ migrated = true }: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const run = process.env.LUMEN_TEST_RUN ?? "tlocal";
  const name = `lumen_${run}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl() });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${name}"`);
  await admin.end();
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  const pool = createPool(url.toString(), 5);
  if (migrated) await migrate(pool);
  return {
    url: url.toString(),
    name,
    pool,
    async drop() {
      await pool.end();
      const client = new pg.Client({ connectionString: adminUrl() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      await client.end();
    },
  };
}
