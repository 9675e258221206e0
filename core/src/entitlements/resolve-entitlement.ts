import { CALENDAR_MONTH } from "../pipeline/definitions";
import type { EntitlementInput, Override } from "./types";

export type ResolvedEntitlement =
  | {
      granted: true;
      /** The plan's entitlement with the override applied (or one made from the override alone). */
      entitlement: EntitlementInput;
      /** false when only an override grants the feature: no subscription is involved. */
      fromPlan: boolean;
    }
  | { granted: false; reason: "no_entitlement" | "trial_ended" };

/** An override counts until its `expiresAt` (exclusive); an expired one is ignored. */
export function isOverrideActive(override: Override, at: number): boolean {
  return override.expiresAt === null || at < override.expiresAt;
}

/**
 * What the customer is granted of one feature at `at`: the plans' entitlement, changed by an active override
 * (`enabled: false` removes the feature; `included` replaces the allowance; an enabled override also outlasts a
 * plan's feature trial). Callers use the result's `included` as the allowance they burn usage against.
 */
export function resolveEntitlement({
  entitlement,
  override,
  at,
}: {
  entitlement: EntitlementInput | undefined;
  override: Override | undefined;
  at: number;
}): ResolvedEntitlement {
  const active = override !== undefined && isOverrideActive(override, at) ? override : undefined;
  if (active && !active.enabled) return { granted: false, reason: "no_entitlement" };
  if (active) {
    return {
      granted: true,
      entitlement: applyOverride(entitlement ?? entitlementOfOverride(active), active),
      fromPlan: entitlement !== undefined,
    };
  }
  // PRODUCT §10: an override with `expiresAt` is a feature trial for one customer; once over, say so.
  if (!entitlement) return { granted: false, reason: override?.enabled ? "trial_ended" : "no_entitlement" };
  if (entitlement.trialEndsAt !== null && at >= entitlement.trialEndsAt) {
    return { granted: false, reason: "trial_ended" };
  }
  return { granted: true, entitlement, fromPlan: true };
}

function applyOverride(entitlement: EntitlementInput, override: Override): EntitlementInput {
  const trialLifted = { ...entitlement, trialEndsAt: null };
  if (override.included === undefined) return trialLifted;
  if (override.included === "unlimited") return { ...trialLifted, unlimited: true };
  return { ...trialLifted, included: override.included, unlimited: false };
}

/**
 * A feature granted by an override alone: the override carries no feature type, so one with `included` is taken as
 * metered and hard-limited (no price), resetting with the calendar month like other counters without a definition;
 * one without `included` as boolean.
 */
function entitlementOfOverride(override: Override): EntitlementInput {
  return {
    type: override.included === undefined ? "boolean" : "metered",
    reset: CALENDAR_MONTH,
    included: 0,
    unlimited: false,
    per: "customer",
    overageAllowed: false,
    usageLimit: null,
    rollover: null,
    trialEndsAt: null,
    pooled: false,
    subscriptionActive: true,
  };
}
