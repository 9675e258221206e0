import { type LumenEnv, sha256Hex } from "@lumen/core";
import type pg from "pg";

/** The billing API's `api_keys` table: keys are stored as the SHA-256 of the secret. */
export async function findKeyEnv(db: Pick<pg.Pool, "query">, secret: string): Promise<LumenEnv | null> {
  const { rows } = await db.query<{ env: LumenEnv }>(
    "SELECT env FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
    [sha256Hex(secret)],
  );
  return rows[0]?.env ?? null;
}
