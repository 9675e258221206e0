import { type CounterState, cloneCounter, counterKey, isNewer, type LumenEnv, mergeCounters } from "@lumen/core";
import type { ClickHouse } from "../clickhouse";
import { type CustomerUsage, usageKey } from "../state/counter-store";
import { int } from "./schema";

interface PeriodRow {
  env: LumenEnv;
  customer: string;
  feature: string;
  entity: string;
  period_start: string;
  period_end: string;
  total_events: string;
  total_sum: number;
  total_max: number;
  newest_reading: number;
  newest: [string, string, number];
  distinct_tokens: string[];
}

/**
 * The partition's counters as the rollups hold them: per (customer, feature, entity), the totals of the period of
 * its newest event; the customer-wide counter of a feature from the per-entity totals of its newest period.
 * Exactly what applying the partition's events one by one gives (core/usage `recomputeUsage`).
 */
export async function rebuildCounters(clickhouse: ClickHouse, partition: number): Promise<Map<string, CustomerUsage>> {
  const rows = await clickhouse.query<PeriodRow>(
    `SELECT env, customer, feature, entity, period_start, period_end,
       sum(events) AS total_events, sum(sum) AS total_sum, max(max) AS total_max,
       argMax(latest, tuple(latest_at, latest_seq, latest_idx)) AS newest_reading,
       max(tuple(latest_at, latest_seq, latest_idx)) AS newest,
       groupUniqArrayArray(tokens) AS distinct_tokens
     FROM rollups FINAL WHERE partition = ${partition}
     GROUP BY env, customer, feature, entity, period_start, period_end`,
  );
  const perEntity = new Map<string, { usage: CustomerUsage; feature: string; entity: string; counter: CounterState }>();
  const parts = new Map<string, { usage: CustomerUsage; feature: string; counters: CounterState[] }>();
  const customers = new Map<string, CustomerUsage>();
  for (const row of rows) {
    const key = usageKey(row.env, row.customer);
    let usage = customers.get(key);
    if (usage === undefined) {
      usage = { env: row.env, customer: row.customer, partition, counters: new Map(), ledgers: [] };
      customers.set(key, usage);
    }
    const counter = counterOfRow(row);
    const entityKey = `${key}\u0000${row.feature}\u0000${row.entity}`;
    const current = perEntity.get(entityKey);
    if (current === undefined || isNewer(newestOf(counter), newestOf(current.counter))) {
      perEntity.set(entityKey, { usage, feature: row.feature, entity: row.entity, counter });
    }
    const featureKey = `${key}\u0000${row.feature}`;
    const group = parts.get(featureKey) ?? { usage, feature: row.feature, counters: [] };
    group.counters.push(counter);
    parts.set(featureKey, group);
  }
  for (const { usage, feature, entity, counter } of perEntity.values()) {
    if (entity !== "") usage.counters.set(counterKey(feature, entity), counter);
  }
  for (const { usage, feature, counters } of parts.values()) {
    const newest = counters.reduce((a, b) => (isNewer(newestOf(b), newestOf(a)) ? b : a));
    const inPeriod = counters.filter((c) => c.periodStart === newest.periodStart && c.periodEnd === newest.periodEnd);
    // A copy: the customer-wide counter must never be the same object as an entity's (both are updated in place).
    usage.counters.set(counterKey(feature, null), inPeriod.slice(1).reduce(mergeCounters, cloneCounter(inPeriod[0]!)));
  }
  return customers;
}

function counterOfRow(row: PeriodRow): CounterState {
  const periodEnd = int(row.period_end);
  return {
    periodStart: int(row.period_start),
    periodEnd: periodEnd === 0 ? null : periodEnd,
    events: int(row.total_events),
    sum: row.total_sum,
    max: row.total_max,
    latest: row.newest_reading,
    newestAt: int(row.newest[0]),
    newestSeq: int(row.newest[1]),
    newestIndex: row.newest[2],
    tokens: row.distinct_tokens.length > 0 ? new Set(row.distinct_tokens) : null,
  };
}

function newestOf(counter: CounterState) {
  return { at: counter.newestAt, seq: counter.newestSeq, index: counter.newestIndex };
}
