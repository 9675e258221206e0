import type { CustomerDefinition, FeatureEntitlement, ResetSchedule } from "@lumen/core";
import { type PlanVersion, planVersionCache } from "../catalog/plan-record";
import type { FeatureItem } from "../catalog/schemas";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, type Env } from "../context";
import { type Customer, type CustomerRow, toCustomer } from "../customers/customer-record";
import { loadFeatureFacts } from "../entitlements/load-feature-facts";
import { resolveEntitlements } from "../entitlements/resolve-entitlements";
import { listLiveSubscriptions, type Subscription } from "../subscriptions/subscription-record";

/** The reset schedule of one plan item on one subscription (PRODUCT §3: resets align to the billing anchor). */
export function resetScheduleOf(item: FeatureItem, sub: Subscription, plan: PlanVersion): ResetSchedule {
  const anchor = sub.billingAnchor.toISOString();
  const reset = item.reset ?? "billing_period";
  if (reset === "never") return { interval: null, anchor: sub.createdAt.toISOString() };
  if (reset === "billing_period") return { interval: plan.definition.interval, anchor };
  return { interval: reset, anchor };
}

/** Computes what billing pushes to the definitions bucket for one customer (setup, then a pure compute). */
export async function buildCustomerDefinition(
  ctx: EngineContext,
  customerId: string,
  version: number,
): Promise<CustomerDefinition> {
  const { rows } = await db(ctx).query<CustomerRow & { deleted_at: Date | null }>(
    "SELECT * FROM customers WHERE env = $1 AND id = $2",
    [ctx.env, customerId],
  );
  const row = rows[0];
  const empty: CustomerDefinition = {
    env: ctx.env,
    customer: customerId,
    version,
    exists: false,
    testClock: null,
    billingPeriod: null,
    features: {},
    grants: [],
    overrides: {},
    entities: {},
    seatFeatures: [],
    creditCosts: {},
  };
  if (!row || row.deleted_at) return empty;
  const customer = toCustomer(row);
  const now = await customerNow(ctx, customer);
  const planOf = planVersionCache(ctx);
  const subscriptions = [];
  for (const sub of await listLiveSubscriptions(ctx, customerId)) {
    subscriptions.push({ sub, plan: await planOf(sub.plan, sub.planVersion) });
  }
  return computeCustomerDefinition({
    env: ctx.env,
    customer,
    version,
    now,
    subscriptions,
    features: await loadFeatureFacts(ctx),
  });
}

export function computeCustomerDefinition({
  env,
  customer,
  version,
  now,
  subscriptions,
  features,
}: {
  env: Env;
  customer: Customer;
  version: number;
  now: Date;
  subscriptions: { sub: Subscription; plan: PlanVersion }[];
  features: Awaited<ReturnType<typeof loadFeatureFacts>>;
}): CustomerDefinition {
  const granted = resolveEntitlements({
    at: now,
    subscriptions: subscriptions.map(({ sub, plan }) => ({ ...sub, plan })),
    features,
  });
  const base = subscriptions.find(({ sub }) => !sub.addOn);
  const billingPeriod: ResetSchedule | null = base
    ? { interval: base.plan.definition.interval, anchor: base.sub.billingAnchor.toISOString() }
    : null;
  const schedules = new Map<string, ResetSchedule>();
  for (const { sub, plan } of subscriptions) {
    for (const item of plan.definition.items) {
      if (item.type === "feature" && !schedules.has(item.feature)) {
        schedules.set(item.feature, resetScheduleOf(item, sub, plan));
      }
    }
  }
  const entries: Record<string, FeatureEntitlement> = {};
  for (const feature of granted) {
    const gauge = feature.type === "gauge";
    entries[feature.feature] = {
      type: feature.type,
      reset: gauge
        ? { interval: null, anchor: "1970-01-01T00:00:00.000Z" }
        : (schedules.get(feature.feature) ??
          billingPeriod ?? { interval: "month", anchor: "1970-01-01T00:00:00.000Z" }),
      included: feature.included,
      unlimited: feature.unlimited,
      per: feature.per,
      pooled: false,
      overageAllowed: feature.overageAllowed,
      usageLimit: feature.usageLimit,
      rollover: null,
      trialEndsAt: feature.trialEndsAt?.getTime() ?? null,
      subscriptionActive: true,
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
    grants: [],
    overrides: {},
    entities: {},
    seatFeatures: [],
    creditCosts: {},
  };
}
