import { CLOSED_THROUGH_SQL, type CustomerDefinition, closedThroughOf } from "@lumen/core";
import { planVersionCache } from "../catalog/plan-record";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext } from "../context";
import { type CustomerRow, toCustomer } from "../customers/customer-record";
import { loadFeatureFacts } from "../entitlements/load-feature-facts";
import { loadCustomerGrants } from "../grants/grant-record";
import { loadCustomerOverrides } from "../overrides/override-record";
import { loadPaymentSettings } from "../payments/payment-settings";
import { listLiveSubscriptions } from "../subscriptions/subscription-record";
import { computeCustomerDefinition } from "./compute-customer-definition";

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
  if (!row || row.deleted_at) return missingCustomerDefinition({ env: ctx.env, customer: customerId, version });
  const customer = toCustomer(row);
  const planOf = planVersionCache(ctx);
  const subscriptions = [];
  for (const sub of await listLiveSubscriptions(ctx, customerId)) {
    subscriptions.push({ sub, plan: await planOf(sub.plan, sub.planVersion) });
  }
  const { rows: entities } = await db(ctx).query<{ id: string; feature: string }>(
    "SELECT id, feature FROM entities WHERE env = $1 AND customer_id = $2 AND deleted_at IS NULL ORDER BY id",
    [ctx.env, customerId],
  );
  const { rows: closed } = await db(ctx).query(CLOSED_THROUGH_SQL, [ctx.env, [customerId]]);
  const definition = computeCustomerDefinition({
    env: ctx.env,
    customer,
    version,
    now: await customerNow(ctx, customer),
    subscriptions,
    features: await loadFeatureFacts(ctx),
    grants: await loadCustomerGrants(ctx, customerId),
    overrides: await loadCustomerOverrides(ctx, customerId),
    entities,
    pastDueEntitlements: (await loadPaymentSettings(ctx)).dunning.pastDueEntitlements,
  });
  return { ...definition, closedThrough: closedThroughOf(closed).get(customerId) ?? null };
}

/** The definition of a customer that does not exist (or was deleted): checks answer `customer_not_found`. */
export function missingCustomerDefinition({
  env,
  customer,
  version,
}: Pick<CustomerDefinition, "env" | "customer" | "version">): CustomerDefinition {
  return {
    env,
    customer,
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
}
