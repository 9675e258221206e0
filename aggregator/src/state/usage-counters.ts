import { aggregationOf, type CatalogDefinition, counterValue, type UsageCounter } from "@lumen/core";
import type { CustomerUsage } from "./counter-store";

/**
 * A customer's counters as snapshots and balances read them: each valued with its feature's aggregation, with the
 * event time of the newest event they include.
 */
export function usageCountersOf(
  usage: CustomerUsage,
  catalog: CatalogDefinition | undefined,
): { counters: UsageCounter[]; asOf: number } {
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
  return { counters, asOf };
}
