import type { LumenEnv } from "@lumen/core";

/** Answers the environment of a secret key, or null when the key is unknown or revoked. */
export type KeyLookup = (secret: string) => Promise<LumenEnv | null>;

export interface KeyCache {
  /** The key's environment, or null when it is not a live key. Database errors reject (never cached). */
  authenticate(secret: string): Promise<LumenEnv | null>;
}

/**
 * Remembers each key's answer, hits and misses alike, for `ttlMs`: a revoked key stops working within that
 * time, and a flood of requests with a wrong key costs one database query per key and TTL. Concurrent
 * lookups of the same key share one query. Bounded: past `maxEntries` the oldest entries go first.
 */
export function createKeyCache({
  lookup,
  ttlMs = 5_000,
  maxEntries = 10_000,
  now = () => performance.now(),
}: {
  lookup: KeyLookup;
  ttlMs?: number;
  maxEntries?: number;
  /** Monotonic milliseconds. */
  now?: () => number;
}): KeyCache {
  const entries = new Map<string, { env: LumenEnv | null; expiresAt: number }>();
  const inFlight = new Map<string, Promise<LumenEnv | null>>();

  return {
    authenticate(secret) {
      // Not a Lumen secret key: no need to ask the database (nor to fill the cache with junk).
      if (!secret.startsWith("lum_sk_") || secret.length > 200) return Promise.resolve(null);
      const entry = entries.get(secret);
      if (entry && entry.expiresAt > now()) return Promise.resolve(entry.env);
      const running = inFlight.get(secret);
      if (running) return running;
      const query = lookup(secret).then(
        (env) => {
          inFlight.delete(secret);
          entries.delete(secret);
          entries.set(secret, { env, expiresAt: now() + ttlMs });
          if (entries.size > maxEntries) {
            const oldest = entries.keys().next();
            if (!oldest.done) entries.delete(oldest.value);
          }
          return env;
        },
        (error: unknown) => {
          inFlight.delete(secret);
          throw error;
        },
      );
      inFlight.set(secret, query);
      return query;
    },
  };
}
