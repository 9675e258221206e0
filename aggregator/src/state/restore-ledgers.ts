import { customerKey, decodeMessage, type UsageSnapshot } from "@lumen/core";
import type { KV } from "nats";
import type { CustomerUsage } from "./counter-store";

/** Reads of the balances bucket in flight at once. */
const CONCURRENCY = 64;

/**
 * On start or takeover: the counters are rebuilt from ClickHouse, but the ledgers kept when counters moved to a new
 * period live only in the snapshots. Each customer's come back from its last snapshot in the balances bucket.
 */
export async function restoreLedgers({
  balances,
  customers,
}: {
  balances: KV;
  customers: Iterable<CustomerUsage>;
}): Promise<void> {
  const pending = [...customers];
  const worker = async () => {
    for (let usage = pending.pop(); usage !== undefined; usage = pending.pop()) {
      const entry = await balances.get(customerKey(usage.env, usage.customer));
      if (entry?.operation !== "PUT" || entry.value.length === 0) continue;
      try {
        const { ledgers } = decodeMessage<UsageSnapshot>(entry.value);
        if (Array.isArray(ledgers)) usage.ledgers = ledgers;
      } catch {
        // An undecodable snapshot has nothing to give back.
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, pending.length) }, worker));
}
