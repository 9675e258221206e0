import { LumenError } from "@lumen/core";
import type { Pool } from "../db/pool";
import { type ApiKeyIdentity, findKey } from "../keys/api-keys";

/** Revocations are honoured within this many milliseconds. */
const CACHE_TTL_MS = 5_000;

export function createAuthenticator(pool: Pool) {
  const cache = new Map<string, { identity: ApiKeyIdentity | null; expires: number }>();
  return async function authenticate(header: string | undefined): Promise<ApiKeyIdentity> {
    const match = header ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!match?.[1]) {
      throw new LumenError("unauthorized", "Send your secret key as 'Authorization: Bearer lum_sk_…'");
    }
    const secret = match[1];
    const now = Date.now();
    let entry = cache.get(secret);
    if (!entry || entry.expires < now) {
      entry = { identity: await findKey(pool, secret), expires: now + CACHE_TTL_MS };
      if (cache.size > 10_000) cache.clear();
      cache.set(secret, entry);
    }
    if (!entry.identity) throw new LumenError("unauthorized", "Unknown or revoked API key");
    return entry.identity;
  };
}
