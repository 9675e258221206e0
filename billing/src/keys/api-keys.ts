import { LumenError, randomToken, sha256Hex } from "@lumen/core";
import type { Env } from "../context";
import type { Queryable } from "../db/pool";

const KEY_PATTERN = /^lum_sk_(test|live)_[A-Za-z0-9_]{8,128}$/;

export interface ApiKeyIdentity {
  keyId: string;
  env: Env;
}

/** Secret keys are high-entropy random tokens, so one SHA-256 is the right hash (no password stretching needed). */
export function hashKey(secret: string): string {
  return sha256Hex(secret);
}

export function environmentOfKey(secret: string): Env | null {
  const match = KEY_PATTERN.exec(secret);
  return match ? (match[1] as Env) : null;
}

export function generateKey(env: Env): string {
  return `lum_sk_${env}_${randomToken(32)}`;
}

/** Registers a key (idempotent by hash) and answers its id. */
export async function registerKey(db: Queryable, secret: string, source: string): Promise<string> {
  const env = environmentOfKey(secret);
  if (!env) {
    throw new LumenError(
      "validation_error",
      "An API key must look like lum_sk_test_… or lum_sk_live_… followed by 8 to 128 letters, digits or underscores",
    );
  }
  const id = `key_${hashKey(secret).slice(0, 16)}`;
  await db.query(
    `INSERT INTO api_keys (id, env, key_hash, key_prefix, source) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (key_hash) DO UPDATE SET revoked_at = NULL`,
    [id, env, hashKey(secret), secret.slice(0, 16), source],
  );
  return id;
}

export async function findKey(db: Queryable, secret: string): Promise<ApiKeyIdentity | null> {
  if (!environmentOfKey(secret)) return null;
  const { rows } = await db.query<{ id: string; env: Env }>(
    "SELECT id, env FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL",
    [hashKey(secret)],
  );
  const row = rows[0];
  return row ? { keyId: row.id, env: row.env } : null;
}
