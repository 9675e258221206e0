import { randomBytes } from "node:crypto";
import { connect } from "nats";
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
    await removeNatsLeftovers(run);
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

/** Streams (and so KV buckets, which are streams `KV_<bucket>`) whose names start with the run's prefix. */
async function removeNatsLeftovers(run: string): Promise<void> {
  const nats = await connect({ servers: process.env.NATS_URL ?? "nats://127.0.0.1:4222" }).catch(() => null);
  if (!nats) return;
  try {
    const jsm = await nats.jetstreamManager();
    const upper = run.toUpperCase();
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(upper) || name.startsWith(`KV_${upper}`)) await jsm.streams.delete(name).catch(() => {});
    }
  } finally {
    await nats.close();
  }
}
