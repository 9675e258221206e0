import {
  type CatalogDefinition,
  type CounterPeriod,
  type CounterState,
  type CustomerDefinition,
  isNewerThan,
  ledgersAt,
} from "@lumen/core";
import type { CustomerUsage } from "./counter-store";
import { usageCountersOf } from "./usage-counters";

/** Whether applying an event at (timestamp, seq, index) in `period` starts the counter afresh (see `applyToCounter`). */
export function movesPeriod(
  counter: CounterState | undefined,
  period: CounterPeriod,
  timestamp: number,
  seq: number,
  index: number,
): boolean {
  if (counter === undefined) return false;
  if (counter.periodStart === period.start && counter.periodEnd === period.end) return false;
  return isNewerThan(timestamp, seq, index, counter.newestAt, counter.newestSeq, counter.newestIndex);
}

/**
 * Call before counters of `feature` move to the period containing `at`: their old period's usage is about to be
 * replaced, so the ledgers of the scopes they measure (the customer's, `entities` null, and each seat's) are computed
 * now, from the counters as they still are, and kept on the customer's usage. Ledgers of other scopes stay as they
 * were: their counters still hold their old period, from which a balance rolls them forward itself, and will be kept
 * when those counters move; the credits features that pay for `feature` move with it. Runs once per counter and
 * period, so the cost stays off the per-event path.
 */
export function rollLedgers({
  usage,
  definition,
  catalog,
  feature,
  entities,
  at,
}: {
  usage: CustomerUsage;
  definition: CustomerDefinition | undefined;
  catalog: CatalogDefinition | undefined;
  feature: string;
  entities: readonly (string | null)[];
  at: number;
}): void {
  if (!definition) return;
  // The credits features that pay for it measure its usage too: their ledgers move with it (a grant of credits
  // spans periods).
  const payers = new Set(
    Object.entries(definition.creditCosts)
      .filter(([, costs]) => costs[feature] !== undefined)
      .map(([credits]) => credits),
  );
  if (!definition.features[feature] && payers.size === 0) return;
  const { counters } = usageCountersOf(usage, catalog);
  const moving = (ledger: { feature: string; entity: string | null }) =>
    (ledger.feature === feature && entities.includes(ledger.entity)) ||
    (payers.has(ledger.feature) && ledger.entity === null);
  const rolled = ledgersAt({ state: { definition, counters, ledgers: usage.ledgers, pending: [] }, at }).filter(moving);
  if (rolled.length === 0) return;
  usage.ledgers = [...usage.ledgers.filter((ledger) => !moving(ledger)), ...rolled];
}
