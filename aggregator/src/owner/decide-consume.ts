import { type BalanceState, type CheckResult, checkEntitlement } from "@lumen/core";

/**
 * Strict consume's decision (PRODUCT §9), pure: whether `quantity` may be used now given the counters and everything
 * pending; when it may, the result is the balance with the quantity included (what the caller has left).
 */
export function decideConsume({
  state,
  feature,
  entity,
  quantity,
  at,
}: {
  state: BalanceState;
  feature: string;
  entity: string | null;
  quantity: number;
  at: number;
}): { allowed: boolean; result: CheckResult } {
  const before = checkEntitlement({ state, feature, entity, quantity, at });
  if (!before.allowed) return { allowed: false, result: before };
  const after = checkEntitlement({
    state: { ...state, pending: [...state.pending, { feature, entity, quantity }] },
    feature,
    entity,
    quantity: 0,
    at,
  });
  return { allowed: true, result: { ...after, allowed: true, reason: null } };
}
