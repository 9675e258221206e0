import type { PlanVersion } from "../catalog/plan-record";
import type { FeatureType } from "../catalog/schemas";
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
  overageAllowed: boolean;
  usageLimit: number | null;
  /** Plans that grant it; empty when it is granted only through a credits feature. */
  plans: string[];
  /** The end of a feature trial (`trialDays` on the plan item), when one applies. */
  trialEndsAt: Date | null;
  viaCredits: string | null;
}

/**
 * The features a customer is entitled to at `at`, from the subscriptions in force then (pure).
 * Grants, overrides and balances join in issue 3.
 */
export function resolveEntitlements({
  at,
  subscriptions,
  features,
}: {
  at: Date;
  subscriptions: SubscriptionFacts[];
  features: ReadonlyMap<string, FeatureFacts>;
}): GrantedFeature[] {
  const granted = new Map<string, GrantedFeature>();
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
      if (trialEndsAt && trialEndsAt.getTime() <= at.getTime()) continue;
      const unlimited = item.included === "unlimited";
      const included = typeof item.included === "number" ? item.included : 0;
      const existing = granted.get(item.feature);
      if (existing) {
        existing.included += included;
        existing.unlimited ||= unlimited;
        existing.overageAllowed ||= item.price !== undefined;
        existing.plans.push(sub.plan.plan);
        continue;
      }
      granted.set(item.feature, {
        feature: item.feature,
        type: facts.type,
        included,
        unlimited,
        // Gauges are levels: they never reset (PRODUCT §2).
        reset: facts.type === "boolean" ? null : facts.type === "gauge" ? "never" : (item.reset ?? "billing_period"),
        per: item.per ?? "customer",
        overageAllowed: item.price !== undefined,
        usageLimit: item.usageLimit ?? null,
        plans: [sub.plan.plan],
        trialEndsAt,
        viaCredits: null,
      });
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
        overageAllowed: false,
        usageLimit: null,
        plans: [],
        trialEndsAt: null,
        viaCredits: entry.feature,
      });
    }
  }
  return [...granted.values()].sort((a, b) => a.feature.localeCompare(b.feature));
}
