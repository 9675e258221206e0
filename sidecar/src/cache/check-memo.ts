import { type CheckResult, checkEntitlement, checkStableUntil, decideQuantity } from "@lumen/core";
import { balanceStateOf, type CustomerEntry } from "./customer-entry";

/** A check result kept per (feature, entity) while nothing it depends on changes. */
export interface Memo {
  revision: number;
  from: number;
  until: number;
  base: CheckResult;
}

/**
 * The check of a cached customer, computed once per (feature, entity) and change of the entry, and reused for
 * every quantity until the next time-bound change (`checkStableUntil`). The hot path: a map lookup and a compare.
 */
export function memoizedCheck({
  entry,
  feature,
  entity,
  quantity,
  at,
  now,
}: {
  entry: CustomerEntry;
  feature: string;
  entity: string | null;
  quantity: number;
  at: number;
  now: number;
}): CheckResult {
  const key = entity === null ? feature : `${feature}\u0000${entity}`;
  const held = entry.memo.get(key);
  if (held && held.revision === entry.revision && at >= held.from && at < held.until) {
    return decideQuantity(held.base, quantity);
  }
  const state = balanceStateOf(entry, now);
  // Pending own events make the answer move with their reconciliation: computed fresh each time.
  const base = checkEntitlement({ state, feature, entity, quantity: 0, at });
  const until = entry.own.length > 0 ? null : checkStableUntil({ definition: entry.definition, result: base, at });
  if (until !== null && until > at) {
    if (entry.memo.size >= 64) entry.memo.clear();
    entry.memo.set(key, { revision: entry.revision, from: at, until, base });
  }
  return decideQuantity(base, quantity);
}
