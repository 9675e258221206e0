import { db, type EngineContext } from "../context";

/**
 * What the publisher pushes to NATS after commit: a customer's definition, the catalog, an entity's customer
 * (entities bucket) or a test clock's time (clocks bucket). The key names the object; the publisher reads its
 * current state, so one row per object is enough however often it changes.
 */
export type OutboxKind = "customer" | "catalog" | "entity" | "clock";

/** Adds a row to the definition outbox in the caller's transaction: it is pushed once that commits. */
export async function enqueueOutbox(ctx: EngineContext, kind: OutboxKind, key: string): Promise<void> {
  await db(ctx).query("INSERT INTO definition_outbox (env, kind, key) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [
    ctx.env,
    kind,
    key,
  ]);
}

/** Every live customer of the environment: for changes that reach every definition (a credits feature's costs). */
export async function enqueueEveryCustomer(ctx: EngineContext): Promise<void> {
  await db(ctx).query(
    `INSERT INTO definition_outbox (env, kind, key)
     SELECT env, 'customer', id FROM customers WHERE env = $1 AND deleted_at IS NULL
     ON CONFLICT DO NOTHING`,
    [ctx.env],
  );
}
