import { db, type EngineContext } from "../context";

/** The stored value of one of the environment's settings (`invoices`, `tax`), or null when never set. */
export async function loadSetting<T>(ctx: EngineContext, name: string): Promise<Partial<T> | null> {
  const { rows } = await db(ctx).query<{ value: Partial<T> }>(
    "SELECT value FROM settings WHERE env = $1 AND name = $2",
    [ctx.env, name],
  );
  return rows[0]?.value ?? null;
}

/**
 * Serializes the read-merge-write of one setting until the transaction ends, so that concurrent PUTs of different
 * fields all take effect. Call inside `withTransaction`.
 */
export async function lockSetting(ctx: EngineContext, name: string): Promise<void> {
  await db(ctx).query("SELECT pg_advisory_xact_lock(hashtext($1))", [`settings:${ctx.env}:${name}`]);
}

export async function writeSetting(ctx: EngineContext, name: string, value: unknown): Promise<void> {
  await db(ctx).query(
    `INSERT INTO settings (env, name, value, updated_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (env, name) DO UPDATE SET value = EXCLUDED.value, updated_at = EXCLUDED.updated_at`,
    [ctx.env, name, JSON.stringify(value), ctx.clock.now()],
  );
}
