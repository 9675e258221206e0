import {
  type CatalogDefinition,
  customerKey,
  encodeMessage,
  type PipelineNames,
  type UsageSnapshot,
} from "@lumen/core";
import type { KV, NatsConnection } from "nats";
import type { CustomerUsage } from "../state/counter-store";
import { usageCountersOf } from "../state/usage-counters";
import { createBalancesWriter } from "./balances-writer";

/**
 * A customer's counters as the snapshot billing and sidecars read: each valued with its feature's aggregation, with
 * the ledgers kept when counters moved to a new period.
 */
export function snapshotOf({
  usage,
  seq,
  catalog,
}: {
  usage: CustomerUsage;
  seq: number;
  catalog: CatalogDefinition | undefined;
}): UsageSnapshot {
  const { counters, asOf } = usageCountersOf(usage, catalog);
  return {
    env: usage.env,
    customer: usage.customer,
    partition: usage.partition,
    seq,
    asOf,
    counters,
    ledgers: usage.ledgers,
  };
}

// One writer per bucket handle: it remembers the revisions it wrote (see createBalancesWriter).
const writers = new WeakMap<KV, ReturnType<typeof createBalancesWriter>>();

/** Publishes each snapshot on the customer's balances subject and keeps it in the balances bucket. */
export async function publishSnapshots({
  nats,
  balances,
  names,
  snapshots,
}: {
  nats: NatsConnection;
  balances: KV;
  names: PipelineNames;
  snapshots: readonly UsageSnapshot[];
}): Promise<void> {
  let writer = writers.get(balances);
  if (!writer) {
    writer = createBalancesWriter(balances);
    writers.set(balances, writer);
  }
  const puts: Promise<unknown>[] = [];
  for (const snapshot of snapshots) {
    const payload = encodeMessage(snapshot);
    nats.publish(names.balancesSubject(snapshot.env, snapshot.customer), payload);
    puts.push(writer.put(customerKey(snapshot.env, snapshot.customer), snapshot, payload));
  }
  await Promise.all(puts);
}
