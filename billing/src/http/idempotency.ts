import { LumenError } from "@lumen/core";
import type { Env } from "../context";
import type { Pool, Queryable } from "../db/pool";

/** A claim abandoned by a crashed process may be taken over after this long. */
const ABANDONED_AFTER_SECONDS = 60;
const WAIT_FOR_FIRST_MS = 10_000;
const POLL_MS = 25;

export type IdempotencyOutcome = { kind: "claimed" } | { kind: "replay"; status: number; body: string };

/**
 * Claims an Idempotency-Key for one request, or answers the stored response of the first one (PRODUCT §1).
 * A concurrent duplicate waits for the first to finish: the two never both execute.
 */
export async function claimIdempotencyKey(
  pool: Pool,
  { env, key, requestHash }: { env: Env; key: string; requestHash: string },
): Promise<IdempotencyOutcome> {
  const deadline = Date.now() + WAIT_FOR_FIRST_MS;
  for (;;) {
    const claimed = await pool.query(
      `INSERT INTO idempotency_keys (env, key, request_hash) VALUES ($1, $2, $3)
       ON CONFLICT (env, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, created_at = now()
         WHERE idempotency_keys.completed_at IS NULL
           AND idempotency_keys.created_at < now() - make_interval(secs => $4)
       RETURNING key`,
      [env, key, requestHash, ABANDONED_AFTER_SECONDS],
    );
    if (claimed.rowCount === 1) return { kind: "claimed" };
    const { rows } = await pool.query<{
      request_hash: string;
      status_code: number | null;
      response_body: string | null;
    }>("SELECT request_hash, status_code, response_body FROM idempotency_keys WHERE env = $1 AND key = $2", [env, key]);
    const row = rows[0];
    if (!row) continue; // released between the two statements: claim again
    if (row.request_hash !== requestHash) {
      throw new LumenError(
        "idempotency_conflict",
        "This Idempotency-Key was used with a different request body or path",
        [{ path: "Idempotency-Key", message: "already used for another request" }],
      );
    }
    if (row.status_code !== null && row.response_body !== null) {
      return { kind: "replay", status: row.status_code, body: row.response_body };
    }
    if (Date.now() > deadline) {
      throw new LumenError("conflict", "A request with this Idempotency-Key is still in progress; retry later");
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** Stores the answer; `db` is the request's transaction for a write that succeeded (answer and write commit together). */
export async function completeIdempotencyKey(
  db: Queryable,
  { env, key, status, body }: { env: Env; key: string; status: number; body: string },
): Promise<void> {
  // Server errors and rate limits are not final answers: release the key so a retry runs again.
  if (status >= 500 || status === 429) {
    await db.query("DELETE FROM idempotency_keys WHERE env = $1 AND key = $2 AND completed_at IS NULL", [env, key]);
    return;
  }
  await db.query(
    `UPDATE idempotency_keys SET status_code = $3, response_body = $4, completed_at = now()
     WHERE env = $1 AND key = $2`,
    [env, key, status, body],
  );
}

/** Stored responses are kept at least 24 hours; older ones are removed by the cleanup job. */
export async function purgeIdempotencyKeys(pool: Pool): Promise<number> {
  const result = await pool.query("DELETE FROM idempotency_keys WHERE created_at < now() - interval '48 hours'");
  return result.rowCount ?? 0;
}
