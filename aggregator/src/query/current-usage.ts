import { partitionOf, type UsageSnapshot, type UsageSources } from "@lumen/core";
import { snapshotOf } from "../publish/snapshots";
import type { CounterStore } from "../state/counter-store";
import { QueryFailure } from "./query-failure";
import { parseCurrentUsage } from "./validate";

/**
 * `owner:usage.current`: the customer's counters from the owner's memory (empty when it has none), as the
 * snapshot it would publish. `seq` is the partition's last applied sequence.
 */
export function answerCurrentUsage({
  request,
  partition,
  partitions,
  counters,
  sources,
  seq,
}: {
  request: unknown;
  partition: number;
  partitions: number;
  counters: CounterStore;
  sources: UsageSources;
  seq: number;
}): UsageSnapshot {
  const { env, customer } = parseCurrentUsage(request);
  const owner = partitionOf(env, customer, partitions);
  if (owner !== partition) {
    throw new QueryFailure("validation_error", `Customer '${customer}' belongs to partition ${owner}`);
  }
  const usage = counters.find(partition, env, customer);
  if (usage) return snapshotOf({ usage, seq, catalog: sources.catalogOf(env) });
  return { env, customer, partition, seq, asOf: 0, counters: [], ledgers: [] };
}
