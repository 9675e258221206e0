import { decodeMessage, type UsageSnapshot } from "@lumen/core";
import { LRUCache } from "lru-cache";
import type { KV } from "nats";

/**
 * Writes snapshots to the balances bucket so that an older one never replaces a newer one: each key is
 * written with compare-and-swap on the revision this writer last saw; when another writer (a previous owner
 * still finishing, after a takeover) moved it, the stored snapshot's `seq` decides. KV readers (the billing
 * API) thus never see usage go back.
 */
export function createBalancesWriter(kv: KV, { remembered = 200_000 }: { remembered?: number } = {}) {
  const revisions = new LRUCache<string, number>({ max: remembered });

  async function slowPath(key: string, snapshot: UsageSnapshot, payload: Uint8Array): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const entry = await kv.get(key);
      if (entry && entry.operation === "PUT" && entry.value.length > 0) {
        const stored = decodeMessage<UsageSnapshot>(entry.value);
        if (stored.seq > snapshot.seq) {
          revisions.set(key, entry.revision);
          return;
        }
      }
      try {
        const revision = entry ? await kv.update(key, payload, entry.revision) : await kv.create(key, payload);
        revisions.set(key, revision);
        return;
      } catch {
        // Someone wrote in between: read again and decide again.
      }
    }
  }

  return {
    async put(key: string, snapshot: UsageSnapshot, payload: Uint8Array): Promise<void> {
      const known = revisions.get(key);
      try {
        // One round trip in the usual cases: the revision this writer last wrote, or a customer's first snapshot.
        revisions.set(key, known === undefined ? await kv.create(key, payload) : await kv.update(key, payload, known));
        return;
      } catch {
        // Written by another writer (or before this one started): compare seqs.
      }
      await slowPath(key, snapshot, payload);
    },
  };
}
