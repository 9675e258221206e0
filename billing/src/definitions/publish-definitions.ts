import type { Clock } from "@lumen/core";
import type { Env } from "../context";
import type { Pool } from "../db/pool";
import { buildCatalog } from "./build-catalog";
import { buildCustomerDefinition } from "./build-customer-definition";
import type { DefinitionStore } from "./definition-store";

const BATCH = 100;

/**
 * Drains the definition outbox: for each changed customer (or catalog), builds the current definition and
 * puts it in the store, then deletes the row — in one transaction per row, rows locked with SKIP LOCKED so
 * that several billing processes share the work. Answers how many were published.
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
      const { rows } = await client.query<{ env: Env; kind: "customer" | "catalog"; key: string }>(
        `SELECT env, kind, key FROM definition_outbox ORDER BY created_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
      );
      for (const row of rows) {
        const ctx = { pool, tx: client, env: row.env, clock, actor: "system" };
        const { rows: versions } = await client.query<{ version: string }>(
          "SELECT nextval('definition_version') AS version",
        );
        const version = Number(versions[0]!.version);
        if (row.kind === "catalog") await store.putCatalog(await buildCatalog(ctx, version));
        else await store.putCustomer(await buildCustomerDefinition(ctx, row.key, version));
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
