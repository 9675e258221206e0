import { randomBytes } from "node:crypto";
import pg from "pg";

const ADMIN_URL = process.env.LUMEN_TEST_ADMIN_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/**
 * Each test run gets its own prefix for databases, NATS streams and KV buckets; at the end, even after a
 * failure, every database of the run is dropped.
 */
export default function setup(): () => Promise<void> {
  const run = `t${randomBytes(4).toString("hex")}`;
  process.env.LUMEN_TEST_RUN = run;
  process.env.LUMEN_TEST_ADMIN_DATABASE_URL = ADMIN_URL;
  return async () => {
    const client = new pg.Client({ connectionString: ADMIN_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ datname: string }>(
        "SELECT datname FROM pg_database WHERE datname LIKE $1",
        [`lumen_${run}_%`],
      );
      for (const { datname } of rows) {
        await client.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
      }
    } finally {
      await client.end();
    }
  };
}
