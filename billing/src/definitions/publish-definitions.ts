import type { Clock } from "@lumen/core";
import { db, type EngineContext, type Env } from "../context";
import type { Pool } from "../db/pool";
import { buildCatalog } from "./build-catalog";
import { buildCustomerDefinition } from "./build-customer-definition";
import type { DefinitionStore } from "./definition-store";
import type { OutboxKind } from "./enqueue-outbox";

const BATCH = 100;

interface OutboxRow {
  env: Env;
  kind: OutboxKind;
  key: string;
}

/**
 * Drains the definition outbox: for each changed customer (or catalog, entity, test clock), reads the current
 * state and puts it in the store, then deletes the row — in one transaction per batch, rows locked with SKIP LOCKED
 * so that several billing processes share the work. Answers how many were published.
 */
export async function publishDefinitions({
  pool,
  clock,
  store,
}: {
  pool: Pool;
  clock: Clock;
  store: DefinitionStore;
}): Promise<number> {
  let published = 0;
  for (;;) {
    const client = await pool.connect();
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<OutboxRow>(
        `SELECT env, kind, key FROM definition_outbox ORDER BY created_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
      );
      for (const row of rows) {
        await publishRow({ ctx: { pool, tx: client, env: row.env, clock, actor: "system" }, row, store });
        await client.query("DELETE FROM definition_outbox WHERE env = $1 AND kind = $2 AND key = $3", [
          row.env,
          row.kind,
          row.key,
        ]);
        published++;
      }
      await client.query("COMMIT");
      if (rows.length < BATCH) return published;
    } catch (error) {
      await client.query("ROLLBACK").catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}

async function publishRow({ ctx, row, store }: { ctx: EngineContext; row: OutboxRow; store: DefinitionStore }) {
  if (row.kind === "entity") {
    const { rows } = await db(ctx).query<{ customer_id: string }>(
      "SELECT customer_id FROM entities WHERE env = $1 AND id = $2 AND deleted_at IS NULL",
      [row.env, row.key],
    );
    await store.putEntity(row.env, row.key, rows[0]?.customer_id ?? null);
    return;
  }
  if (row.kind === "clock") {
    const { rows } = await db(ctx).query<{ frozen_time: Date }>(
      "SELECT frozen_time FROM test_clocks WHERE env = $1 AND id = $2 AND deleted_at IS NULL",
      [row.env, row.key],
    );
    await store.putClock(row.key, rows[0]?.frozen_time.getTime() ?? null);
    return;
  }
  const { rows: versions } = await db(ctx).query<{ version: string }>(
    "SELECT nextval('definition_version') AS version",
  );
  const version = Number(versions[0]!.version);
  if (row.kind === "catalog") await store.putCatalog(await buildCatalog(ctx, version));
  else await store.putCustomer(await buildCustomerDefinition(ctx, row.key, version));
}
