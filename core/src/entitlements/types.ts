import type { FeatureEntitlement, FeatureType } from "../pipeline/definitions";

export type { Grant, Override } from "../pipeline/definitions";

/** A feature as the plans in force grant it (the definition's entry, overrides not yet applied). */
export type EntitlementInput = FeatureEntitlement;

/** Why `check` denied (PRODUCT §9). */
export const REASONS = [
  "customer_not_found",
  "no_entitlement",
  "limit_reached",
  "usage_limit_reached",
  "trial_ended",
  "subscription_inactive",
] as const;
export type Reason = (typeof REASONS)[number];

/**
 * The feature part of a check response (PRODUCT §9), times in ms (callers format them). Fields that do not apply
 * are null: every number for boolean features and denials before the allowance is known; `included` and `balance`
 * for unlimited features; the period fields without usage data; `periodEnd`/`resetsAt` for `reset: never`.
 */
export interface CheckResult {
  allowed: boolean;
  type: FeatureType | null;
  unlimited: boolean;
  included: number | null;
  used: number | null;
  balance: number | null;
  overageAllowed: boolean;
  usageLimit: number | null;
  periodStart: number | null;
  periodEnd: number | null;
  resetsAt: number | null;
  reason: Reason | null;
}
