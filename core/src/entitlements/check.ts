import type { FeatureType } from "../pipeline/definitions";
import type { BurnResult } from "./burn";
import { resolveEntitlement } from "./resolve-entitlement";
import type { CheckResult, EntitlementInput, Override, Reason } from "./types";

export interface CheckFeatureInput {
  /** The plans' entitlement of the feature; undefined when no plan in force grants it. */
  entitlement: EntitlementInput | undefined;
  override: Override | undefined;
  /**
   * The usage of the period containing `at`, burned against the allowance `resolveEntitlement` gives (for a
   * non-pooled per-seat feature, the entity's own). null: no usage recorded (used 0, no grants).
   */
  burn: BurnResult | null;
  quantity: number;
  at: number;
  customerExists: boolean;
  /** Whether the subscription of the plan granting the feature is active. */
  subscriptionActive: boolean;
}

/**
 * Whether the customer may use `quantity` of a feature now, with the reason when not (PRODUCT §9). Reasons are
 * tried in this order: customer_not_found, no_entitlement / trial_ended, subscription_inactive (features granted
 * by a plan only), then limit_reached or usage_limit_reached.
 */
export function checkFeature({
  entitlement,
  override,
  burn,
  quantity,
  at,
  customerExists,
  subscriptionActive,
}: CheckFeatureInput): CheckResult {
  if (!customerExists) return denied("customer_not_found", null);
  const resolved = resolveEntitlement({ entitlement, override, at });
  if (!resolved.granted) return denied(resolved.reason, entitlement?.type ?? null);
  const granted = resolved.entitlement;
  if (resolved.fromPlan && !subscriptionActive) return denied("subscription_inactive", granted.type);
  if (granted.type === "boolean") return { ...denied(null, "boolean"), allowed: true };

  const period = {
    periodStart: burn?.periodStart ?? null,
    periodEnd: burn?.periodEnd ?? null,
    resetsAt: burn?.periodEnd ?? null,
  };
  const used = burn?.used ?? 0;
  if (granted.unlimited) {
    return {
      ...period,
      allowed: true,
      type: granted.type,
      unlimited: true,
      included: null,
      used,
      balance: null,
      overageAllowed: granted.overageAllowed,
      usageLimit: granted.usageLimit,
      reason: null,
    };
  }
  const balance = burn?.balance ?? granted.included;
  const reason = limitReason({ balance, used, quantity, entitlement: granted });
  return {
    ...period,
    allowed: reason === null,
    type: granted.type,
    unlimited: false,
    included: burn?.allowance ?? granted.included,
    used,
    balance,
    overageAllowed: granted.overageAllowed,
    usageLimit: granted.usageLimit,
    reason,
  };
}

/** PRODUCT §9: allowed when `balance ≥ quantity`, or overage is allowed and `usageLimit` is not exceeded. */
function limitReason({
  balance,
  used,
  quantity,
  entitlement,
}: {
  balance: number;
  used: number;
  quantity: number;
  entitlement: EntitlementInput;
}): Reason | null {
  if (balance >= quantity) return null;
  if (!entitlement.overageAllowed) return "limit_reached";
  if (entitlement.usageLimit !== null && used + quantity > entitlement.usageLimit) return "usage_limit_reached";
  return null;
}

function denied(reason: Reason | null, type: FeatureType | null): CheckResult {
  return {
    allowed: false,
    type,
    unlimited: false,
    included: null,
    used: null,
    balance: null,
    overageAllowed: false,
    usageLimit: null,
    periodStart: null,
    periodEnd: null,
    resetsAt: null,
    reason,
  };
}

/**
 * The decision for `quantity` from a check made for any other quantity: only `allowed` and `reason` depend on it
 * (PRODUCT §9). Lets a cache keep one result per feature and answer every quantity from it.
 */
export function decideQuantity(base: CheckResult, quantity: number): CheckResult {
  if (base.reason !== null && base.reason !== "limit_reached" && base.reason !== "usage_limit_reached") return base;
  if (base.type === "boolean" || base.unlimited || base.balance === null) return base;
  let reason: Reason | null = null;
  if (base.balance < quantity) {
    if (!base.overageAllowed) reason = "limit_reached";
    else if (base.usageLimit !== null && (base.used ?? 0) + quantity > base.usageLimit) reason = "usage_limit_reached";
  }
  return reason === base.reason ? base : { ...base, allowed: reason === null, reason };
}
