import type { FeatureEntitlement, FeatureType } from "../pipeline/definitions";

/** A customer's grant of units of one feature (PRODUCT §10). Times are ms since the epoch. */
export interface Grant {
  id: string;
  feature: string;
  amount: number;
  /** Lower burns first. */
  priority: number;
  /** The unused part is gone from this instant on; null: never expires. */
  expiresAt: number | null;
  createdAt: number;
  /** A voided grant stops counting from this instant on, like an expiry. */
  voidedAt: number | null;
}

/** A per-customer exception to the plans in force (PRODUCT §10); with `expiresAt`, a feature trial. */
export interface Override {
  feature: string;
  /** false removes the feature. */
  enabled: boolean;
  /** Replaces the period allowance. */
  included?: number | "unlimited";
  /** The override is ignored from this instant on; null: until deleted. */
  expiresAt: number | null;
}

/** A feature as the plans in force grant it, with the item fields the allowance math needs (PRODUCT §3). */
export interface EntitlementInput extends FeatureEntitlement {
  /** Unused allowance carried into the next period, up to `max`. */
  rollover?: { max: number } | null;
  /** End of a `trialDays` feature trial (ms); null: not a trial. */
  trialEndsAt: number | null;
  /** With `per: "seat"`: one shared allowance of `included × seats` instead of one balance per seat. */
  pooled: boolean;
}

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
