import type { CounterState, Ledger, LumenEnv } from "@lumen/core";

/** One customer's counters: per `counterKey(feature, entity)`, the customer-wide ones under entity null. */
export interface CustomerUsage {
  env: LumenEnv;
  customer: string;
  partition: number;
  counters: Map<string, CounterState>;
  /** Balance scopes' ledgers kept when their counter moved to a new period (see `rollLedgers`). */
  ledgers: Ledger[];
}

/** How customers are keyed in memory (cheaper than the KV key, which escapes the customer id). */
export function usageKey(env: LumenEnv, customer: string): string {
  return `${env}\u0000${customer}`;
}

/**
 * The in-memory counters of the owned partitions: only each counter's current period (the period of its newest
 * event), so memory follows the number of active (customer, feature, entity) counters, not the event count.
 */
export class CounterStore {
  private readonly partitions = new Map<number, Map<string, CustomerUsage>>();

  customer(partition: number, env: LumenEnv, customer: string): CustomerUsage {
    const customers = this.partition(partition);
    const key = usageKey(env, customer);
    let usage = customers.get(key);
    if (usage === undefined) {
      usage = { env, customer, partition, counters: new Map(), ledgers: [] };
      customers.set(key, usage);
    }
    return usage;
  }

  find(partition: number, env: LumenEnv, customer: string): CustomerUsage | undefined {
    return this.partitions.get(partition)?.get(usageKey(env, customer));
  }

  replacePartition(partition: number, customers: Map<string, CustomerUsage>): void {
    this.partitions.set(partition, customers);
  }

  dropPartition(partition: number): void {
    this.partitions.delete(partition);
  }

  /** Counters held, for metrics. */
  size(): number {
    let total = 0;
    for (const customers of this.partitions.values()) {
      for (const usage of customers.values()) total += usage.counters.size;
    }
    return total;
  }

  private partition(partition: number): Map<string, CustomerUsage> {
    let customers = this.partitions.get(partition);
    if (customers === undefined) {
      customers = new Map();
      this.partitions.set(partition, customers);
    }
    return customers;
  }
}
