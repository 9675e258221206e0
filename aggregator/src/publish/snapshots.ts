import {
  aggregationOf,
  type CatalogDefinition,
  counterValue,
  customerKey,
  encodeMessage,
  type PipelineNames,
  type UsageCounter,
  type UsageSnapshot,
} from "@lumen/core";
import type { KV, NatsConnection } from "nats";
import type { CustomerUsage } from "../state/counter-store";
import { createBalancesWriter } from "./balances-writer";

/** A customer's counters as the snapshot billing and sidecars read: each valued with its feature's aggregation. */
export function snapshotOf({
  usage,
  seq,
  catalog,
}: {
  usage: CustomerUsage;
  seq: number;
  catalog: CatalogDefinition | undefined;
}): UsageSnapshot {
  const counters: UsageCounter[] = [];
  let asOf = 0;
  for (const [key, counter] of usage.counters) {
    const split = key.indexOf("\u0000");
    const feature = split === -1 ? key : key.slice(0, split);
    counters.push({
      feature,
      entity: split === -1 ? null : key.slice(split + 1),
      periodStart: counter.periodStart,
      periodEnd: counter.periodEnd,
      value: counterValue(counter, aggregationOf(catalog, feature)),
    });
    if (counter.newestAt > asOf) asOf = counter.newestAt;
  }
  return { env: usage.env, customer: usage.customer, partition: usage.partition, seq, asOf, counters };
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
