import type { Env } from "../context";
import type { Pool } from "../db/pool";
import { generateKey, registerKey } from "./api-keys";

export interface BootstrapResult {
  /** Keys created now, shown once; null when the database already had keys. */
  created: Record<Env, string> | null;
  registered: string[];
}

/**
 * On first start with an empty database, creates one secret key per environment (PRODUCT §1).
 * Keys from LUMEN_API_KEY (comma-separated) are registered at every start.
 */
export async function bootstrapKeys(pool: Pool, configuredKeys: readonly string[]): Promise<BootstrapResult> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("LOCK TABLE api_keys IN EXCLUSIVE MODE");
    const { rows } = await client.query<{ count: number }>("SELECT count(*)::int AS count FROM api_keys");
    const registered: string[] = [];
    for (const secret of configuredKeys) {
      registered.push(await registerKey(client, secret, "env"));
    }
    let created: Record<Env, string> | null = null;
    if ((rows[0]?.count ?? 0) === 0) {
      created = { test: generateKey("test"), live: generateKey("live") };
      await registerKey(client, created.test, "bootstrap");
      await registerKey(client, created.live, "bootstrap");
    }
    await client.query("COMMIT");
    return { created, registered };
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
