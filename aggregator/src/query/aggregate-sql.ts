import type { MeterAggregation } from "@lumen/core";

/**
 * The SQL aggregate of rollup rows that gives a counter's value under each aggregation; `condition`, when given,
 * limits it to the rows that satisfy it (the -If combinator).
 */
export function valueSql(aggregation: MeterAggregation, condition?: string): string {
  const suffix = condition ? "If" : "";
  const tail = condition ? `, ${condition}` : "";
  switch (aggregation) {
    case "count":
    case "sum":
      return `sum${suffix}(sum${tail})`;
    case "max":
      return `max${suffix}(max${tail})`;
    case "latest":
      return `argMax${suffix}(latest, tuple(latest_at, latest_seq, latest_idx)${tail})`;
    case "unique_count":
      return `length(groupUniqArrayArray${suffix}(tokens${tail}))`;
  }
}
