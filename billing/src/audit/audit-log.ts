import { canonicalJson, sha256Hex } from "@lumen/core";
import type { Env } from "../context";
import type { Queryable } from "../db/pool";

export const GENESIS_HASH = "0".repeat(64);

export interface AuditEntryInput {
  env: Env;
  at: Date;
  keyId: string;
  method: string;
  path: string;
  status: number;
  requestId: string;
  bodyHash: string | null;
}

export interface AuditEntry extends AuditEntryInput {
  seq: number;
  prevHash: string;
  hash: string;
}

/** The hash of one entry covers its content and the previous entry's hash, so no row can change unseen. */
export function hashAuditEntry(entry: AuditEntryInput, prevHash: string): string {
  return sha256Hex(
    canonicalJson({
      prevHash,
      env: entry.env,
      at: entry.at.toISOString(),
      keyId: entry.keyId,
      method: entry.method,
      path: entry.path,
      status: entry.status,
      requestId: entry.requestId,
      bodyHash: entry.bodyHash,
    }),
  );
}

/**
 * Appends one entry to the environment's chain, inside the caller's transaction (the write it records commits
 * with it, or neither does). Concurrent writers are serialised by an advisory lock held until commit; it is
 * the last lock a request takes, so it cannot close a cycle.
 */
export async function appendAuditEntry(tx: Queryable, entry: AuditEntryInput): Promise<void> {
  await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`lumen.audit.${entry.env}`]);
  const { rows } = await tx.query<{ hash: string }>(
    "SELECT hash FROM audit_log WHERE env = $1 ORDER BY seq DESC LIMIT 1",
    [entry.env],
  );
  const prevHash = rows[0]?.hash ?? GENESIS_HASH;
  await tx.query(
    `INSERT INTO audit_log (env, at, key_id, method, path, status, request_id, body_hash, prev_hash, hash)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      entry.env,
      entry.at,
      entry.keyId,
      entry.method,
      entry.path,
      entry.status,
      entry.requestId,
      entry.bodyHash,
      prevHash,
      hashAuditEntry(entry, prevHash),
    ],
  );
}

interface AuditRow {
  seq: number;
  env: Env;
  at: Date;
  key_id: string;
  method: string;
  path: string;
  status: number;
  request_id: string;
  body_hash: string | null;
  prev_hash: string;
  hash: string;
}

export function toAuditEntry(row: AuditRow): AuditEntry {
  return {
    seq: row.seq,
    env: row.env,
    at: row.at,
    keyId: row.key_id,
    method: row.method,
    path: row.path,
    status: row.status,
    requestId: row.request_id,
    bodyHash: row.body_hash,
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export async function listAuditEntries(
  db: Queryable,
  { env, limit, startingAfter }: { env: Env; limit: number; startingAfter?: number },
): Promise<{ data: AuditEntry[]; hasMore: boolean }> {
  const { rows } = await db.query<AuditRow>(
    "SELECT * FROM audit_log WHERE env = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    [env, startingAfter ?? 0, limit + 1],
  );
  return { data: rows.slice(0, limit).map(toAuditEntry), hasMore: rows.length > limit };
}

export interface AuditVerification {
  valid: boolean;
  checked: number;
  /** The first entry whose hash or link does not match, when the chain is broken. */
  brokenAt: number | null;
}

/** Recomputes the chain of one environment from the start. */
export async function verifyAuditLog(db: Queryable, env: Env): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let checked = 0;
  let lastSeq = 0;
  for (;;) {
    const { rows } = await db.query<AuditRow>(
      "SELECT * FROM audit_log WHERE env = $1 AND seq > $2 ORDER BY seq LIMIT 1000",
      [env, lastSeq],
    );
    if (rows.length === 0) return { valid: true, checked, brokenAt: null };
    for (const row of rows) {
      const entry = toAuditEntry(row);
      if (entry.prevHash !== prevHash || hashAuditEntry(entry, prevHash) !== entry.hash) {
        return { valid: false, checked, brokenAt: entry.seq };
      }
      prevHash = entry.hash;
      checked++;
      lastSeq = entry.seq;
    }
  }
}
