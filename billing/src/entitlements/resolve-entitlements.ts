import type { PlanVersion } from "../catalog/plan-record";
import type { FeatureItem, FeatureType } from "../catalog/schemas";
import type { SubscriptionStatus } from "../subscriptions/subscription-record";

const DAY_MS = 86_400_000;
const ENTITLING_STATUSES: ReadonlySet<SubscriptionStatus> = new Set(["trialing", "active", "past_due"]);

export interface SubscriptionFacts {
  id: string;
  status: SubscriptionStatus;
  createdAt: Date;
  /** When the current plan took effect; feature trials count from here. Defaults to createdAt. */
  planStartedAt?: Date;
  endedAt: Date | null;
  plan: PlanVersion;
}

export interface FeatureFacts {
  type: FeatureType;
  creditCosts?: Record<string, number>;
}

export interface GrantedFeature {
  feature: string;
  type: FeatureType;
  /** Sum of the allowances of every plan in force that grants it (add-ons stack). */
  included: number;
  unlimited: boolean;
  reset: string | null;
  per: "customer" | "seat";
  /** With `per: "seat"`: one shared allowance of `included × seats` (when any item granting it pools). */
  pooled: boolean;
  overageAllowed: boolean;
  usageLimit: number | null;
  /** Unused allowance carried into the next period, up to `max` (the items' maxima add up, like allowances). */
  rollover: { max: number } | null;
  /** Plans that grant it; empty when it is granted only through a credits feature. */
  plans: string[];
  /** The end of a feature trial (`trialDays` on the plan item), when only trials grant it. */
  trialEndsAt: Date | null;
  viaCredits: string | null;
}

/**
 * The features a customer is entitled to at `at`, from the subscriptions in force then (pure). With
 * `keepEndedTrials`, a feature that only an ended feature trial granted is kept (its `trialEndsAt` is past), so
 * that a check can say `trial_ended` rather than `no_entitlement`.
 */
export function resolveEntitlements({
  at,
  subscriptions,
  features,
  keepEndedTrials = false,
}: {
  at: Date;
  subscriptions: SubscriptionFacts[];
  features: ReadonlyMap<string, FeatureFacts>;
  keepEndedTrials?: boolean;
}): GrantedFeature[] {
  const granted = new Map<string, GrantedFeature>();
  const endedTrials = new Map<string, GrantedFeature>();
  for (const sub of subscriptions) {
    if (!ENTITLING_STATUSES.has(sub.status)) continue;
    if (sub.createdAt.getTime() > at.getTime()) continue;
    if (sub.endedAt && sub.endedAt.getTime() <= at.getTime()) continue;
    for (const item of sub.plan.definition.items) {
      if (item.type !== "feature") continue;
      const facts = features.get(item.feature);
      if (!facts) continue;
      const trialStart = sub.planStartedAt ?? sub.createdAt;
      const trialEndsAt = item.trialDays ? new Date(trialStart.getTime() + item.trialDays * DAY_MS) : null;
      const grant = grantOf({ item, type: facts.type, plan: sub.plan.plan, trialEndsAt });
      const ended = trialEndsAt !== null && trialEndsAt.getTime() <= at.getTime();
      const into = ended ? endedTrials : granted;
      const existing = into.get(item.feature);
      into.set(item.feature, existing ? merge(existing, grant) : grant);
    }
  }
  // A customer entitled to a credits feature may use every feature its credits pay for (PRODUCT §2).
  for (const entry of [...granted.values()]) {
    if (entry.type !== "credits") continue;
    for (const feature of Object.keys(features.get(entry.feature)?.creditCosts ?? {})) {
      if (granted.has(feature)) continue;
      granted.set(feature, {
        feature,
        type: features.get(feature)?.type ?? "metered",
        included: 0,
        unlimited: false,
        reset: "billing_period",
        per: "customer",
        pooled: false,
        overageAllowed: false,
        usageLimit: null,
        rollover: null,
        plans: [],
        trialEndsAt: null,
        viaCredits: entry.feature,
      });
    }
  }
  if (keepEndedTrials) {
    for (const [feature, entry] of endedTrials) if (!granted.has(feature)) granted.set(feature, entry);
  }
  return [...granted.values()].sort((a, b) => a.feature.localeCompare(b.feature));
}

function grantOf({
  item,
  type,
  plan,
  trialEndsAt,
}: {
  item: FeatureItem;
  type: FeatureType;
  plan: string;
  trialEndsAt: Date | null;
}): GrantedFeature {
  return {
    feature: item.feature,
    type,
    included: typeof item.included === "number" ? item.included : 0,
    unlimited: item.included === "unlimited",
    // Gauges are levels: they never reset (PRODUCT §2).
    reset: type === "boolean" ? null : type === "gauge" ? "never" : (item.reset ?? "billing_period"),
    per: item.per ?? "customer",
    pooled: item.pooled ?? false,
    overageAllowed: item.price !== undefined,
    usageLimit: item.usageLimit ?? null,
    rollover: item.rollover ? { max: item.rollover.max } : null,
    plans: [plan],
    trialEndsAt,
    viaCredits: null,
  };
}

/** Two items granting one feature (a plan and its add-ons): allowances and rollover maxima stack. */
function merge(existing: GrantedFeature, next: GrantedFeature): GrantedFeature {
  const rollover =
    existing.rollover || next.rollover ? { max: (existing.rollover?.max ?? 0) + (next.rollover?.max ?? 0) } : null;
  // Granted without a trial by one item: no trial ends it. Else the latest trial end.
  const trialEndsAt =
    existing.trialEndsAt === null || next.trialEndsAt === null
      ? null
      : new Date(Math.max(existing.trialEndsAt.getTime(), next.trialEndsAt.getTime()));
  return {
    ...existing,
    included: existing.included + next.included,
    unlimited: existing.unlimited || next.unlimited,
    pooled: existing.pooled || next.pooled,
    overageAllowed: existing.overageAllowed || next.overageAllowed,
    rollover,
    plans: [...existing.plans, ...next.plans],
    trialEndsAt,
  };
}
