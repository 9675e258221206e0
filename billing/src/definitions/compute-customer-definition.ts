import type {
  CustomerDefinition,
  Grant as DefinitionGrant,
  Override as DefinitionOverride,
  FeatureEntitlement,
  ResetSchedule,
} from "@lumen/core";
import type { PlanVersion } from "../catalog/plan-record";
import type { FeatureItem } from "../catalog/schemas";
import type { Env } from "../context";
import type { Customer } from "../customers/customer-record";
import { type FeatureFacts, type GrantedFeature, resolveEntitlements } from "../entitlements/resolve-entitlements";
import type { Grant } from "../grants/grant-record";
import type { Override } from "../overrides/override-record";
import type { Subscription } from "../subscriptions/subscription-record";

const DAY_MS = 86_400_000;
/** Grants that ended (expired or voided) within this span stay in the definition: their burn still counts. */
export const ENDED_GRANT_MEMORY_MS = 366 * DAY_MS;
const NEVER_ANCHOR = "1970-01-01T00:00:00.000Z";

/** The reset schedule of one plan item on one subscription (PRODUCT §3: resets align to the billing anchor). */
export function resetScheduleOf(item: FeatureItem, sub: Subscription, plan: PlanVersion): ResetSchedule {
  const anchor = sub.billingAnchor.toISOString();
  const reset = item.reset ?? "billing_period";
  if (reset === "never") return { interval: null, anchor: sub.createdAt.toISOString() };
  if (reset === "billing_period") return { interval: plan.definition.interval, anchor };
  return { interval: reset, anchor };
}

export interface CustomerDefinitionFacts {
  env: Env;
  customer: Pick<Customer, "id" | "testClockId">;
  version: number;
  /** The customer's time (its test clock's, when it has one). */
  now: Date;
  subscriptions: { sub: Subscription; plan: PlanVersion }[];
  /** The environment's whole catalog: types, and the costs of every credits feature. */
  features: ReadonlyMap<string, FeatureFacts>;
  grants: Grant[];
  overrides: Override[];
  /** The customer's active entities. */
  entities: { id: string; feature: string }[];
  /** What a `past_due` subscription entitles to (the payment settings' dunning); default keep. */
  pastDueEntitlements?: "keep" | "revoke";
}

/** What billing pushes to the definitions bucket for one customer (pure; times in ms). */
export function computeCustomerDefinition(facts: CustomerDefinitionFacts): CustomerDefinition {
  const { env, customer, version, now, subscriptions, features } = facts;
  // Features reachable only through credits are left out: readers derive them from `creditCosts`.
  const granted = resolveEntitlements({
    at: now,
    subscriptions: subscriptions.map(({ sub, plan }) => ({ ...sub, plan })),
    features,
    keepEndedTrials: true,
  }).filter((feature) => feature.viaCredits === null);
  const base = subscriptions.find(({ sub }) => !sub.addOn);
  const billingPeriod: ResetSchedule | null = base
    ? { interval: base.plan.definition.interval, anchor: base.sub.billingAnchor.toISOString() }
    : null;
  const schedules = new Map<string, ResetSchedule>();
  // Since when a plan in force grants each feature: the periods from then on without usage roll over in full.
  const since = new Map<string, number>();
  for (const { sub, plan } of subscriptions) {
    const started = (sub.planStartedAt ?? sub.createdAt).getTime();
    for (const item of plan.definition.items) {
      if (item.type !== "feature") continue;
      if (!schedules.has(item.feature)) schedules.set(item.feature, resetScheduleOf(item, sub, plan));
      since.set(item.feature, Math.min(since.get(item.feature) ?? started, started));
    }
  }
  // Plans whose payment failed, when the dunning revokes meanwhile: what only they grant is inactive.
  const revoked = new Set(
    facts.pastDueEntitlements === "revoke"
      ? subscriptions.filter(({ sub }) => sub.status === "past_due").map(({ plan }) => plan.plan)
      : [],
  );
  const entries: Record<string, FeatureEntitlement> = {};
  for (const feature of granted) {
    const active = !(feature.plans.length > 0 && feature.plans.every((plan) => revoked.has(plan)));
    const reset: ResetSchedule =
      feature.type === "gauge"
        ? { interval: null, anchor: NEVER_ANCHOR }
        : (schedules.get(feature.feature) ?? billingPeriod ?? { interval: "month", anchor: NEVER_ANCHOR });
    entries[feature.feature] = {
      ...entitlementOf(feature, reset),
      subscriptionActive: active,
      since: since.get(feature.feature) ?? null,
    };
  }
  return {
    env,
    customer: customer.id,
    version,
    exists: true,
    testClock: customer.testClockId,
    billingPeriod,
    features: entries,
    grants: facts.grants.filter((grant) => grantStillCounts(grant, now)).map(definitionGrantOf),
    overrides: Object.fromEntries(
      facts.overrides.map((override) => [override.feature, definitionOverrideOf(override)]),
    ),
    entities: Object.fromEntries(facts.entities.map((entity) => [entity.id, entity.feature])),
    seatFeatures: seatFeaturesOf(granted, now),
    creditCosts: creditCostsOf(features),
  };
}

function entitlementOf(feature: GrantedFeature, reset: ResetSchedule): FeatureEntitlement {
  return {
    type: feature.type,
    reset,
    included: feature.included,
    unlimited: feature.unlimited,
    per: feature.per,
    pooled: feature.pooled,
    overageAllowed: feature.overageAllowed,
    usageLimit: feature.usageLimit,
    rollover: feature.rollover,
    trialEndsAt: feature.trialEndsAt?.getTime() ?? null,
    // The caller sets false for features only `past_due` subscriptions grant, when the dunning revokes them.
    subscriptionActive: true,
  };
}

/** Not ended (expired or voided) more than `ENDED_GRANT_MEMORY_MS` ago. */
function grantStillCounts(grant: Grant, now: Date): boolean {
  const cutoff = now.getTime() - ENDED_GRANT_MEMORY_MS;
  if (grant.voidedAt && grant.voidedAt.getTime() < cutoff) return false;
  return !(grant.expiresAt && grant.expiresAt.getTime() < cutoff);
}

function definitionGrantOf(grant: Grant): DefinitionGrant {
  return {
    id: grant.id,
    feature: grant.feature,
    amount: grant.amount,
    priority: grant.priority,
    expiresAt: grant.expiresAt?.getTime() ?? null,
    createdAt: grant.createdAt.getTime(),
    voidedAt: grant.voidedAt?.getTime() ?? null,
  };
}

function definitionOverrideOf(override: Override): DefinitionOverride {
  return {
    feature: override.feature,
    enabled: override.enabled,
    ...(override.included === null ? {} : { included: override.included }),
    expiresAt: override.expiresAt?.getTime() ?? null,
  };
}

/** Gauges a plan in force prices per unit (a seat price): their entities are the seats of `per: "seat"` items. */
function seatFeaturesOf(granted: GrantedFeature[], now: Date): string[] {
  return granted
    .filter((feature) => feature.type === "gauge" && feature.overageAllowed)
    .filter((feature) => feature.trialEndsAt === null || feature.trialEndsAt.getTime() > now.getTime())
    .map((feature) => feature.feature)
    .sort();
}

/** Every credits feature of the catalog: whether the customer holds it is decided with its overrides and grants. */
function creditCostsOf(features: ReadonlyMap<string, FeatureFacts>): Record<string, Record<string, number>> {
  const costs: Record<string, Record<string, number>> = {};
  for (const [id, facts] of [...features].sort(([a], [b]) => a.localeCompare(b))) {
    if (facts.type === "credits" && facts.creditCosts) costs[id] = { ...facts.creditCosts };
  }
  return costs;
}
