import { isoDateTime } from "@lumen/core";
import { z } from "zod";
import { planVersionCache } from "../catalog/plan-record";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext } from "../context";
import { loadCustomer } from "../customers/customer-record";
import { loadPaymentSettings } from "../payments/payment-settings";
import type { Subscription } from "../subscriptions/subscription-record";
import { loadFeatureFacts } from "./load-feature-facts";
import { resolveEntitlements, type SubscriptionFacts } from "./resolve-entitlements";

export const entitlementsAtQuery = z.strictObject({ at: isoDateTime.optional() });

/**
 * `GET /v1/customers/:id/entitlements?at=`: the plans and features the customer had at that moment,
 * rebuilt from the subscriptions' version history.
 */
export async function getEntitlementsAt({
  ctx,
  customerId,
  query,
}: {
  ctx: EngineContext;
  customerId: string;
  query: unknown;
}) {
  const parsed = entitlementsAtQuery.parse(query ?? {});
  const customer = await loadCustomer(ctx, customerId);
  const at = parsed.at ?? (await customerNow(ctx, customer));
  const { rows } = await db(ctx).query<{ after: SerializedSubscription | null }>(
    `SELECT DISTINCT ON (object_id) after FROM history
     WHERE env = $1 AND customer_id = $2 AND object_type = 'subscription' AND at <= $3
     ORDER BY object_id, at DESC, id DESC`,
    [ctx.env, customerId, at],
  );
  const planOf = planVersionCache(ctx);
  const subscriptions: SubscriptionFacts[] = [];
  for (const { after } of rows) {
    if (!after) continue;
    subscriptions.push({
      id: after.id,
      status: after.status,
      createdAt: new Date(after.createdAt),
      planStartedAt: new Date(after.planStartedAt ?? after.createdAt),
      endedAt: after.endedAt ? new Date(after.endedAt) : null,
      plan: await planOf(after.plan, after.planVersion),
    });
  }
  // Past-due subscriptions entitle to nothing while the dunning revokes (what the sidecars' definitions say too).
  const revoked = (await loadPaymentSettings(ctx)).dunning.pastDueEntitlements === "revoke";
  const features = resolveEntitlements({
    at,
    subscriptions: revoked ? subscriptions.filter((sub) => sub.status !== "past_due") : subscriptions,
    features: await loadFeatureFacts(ctx),
  });
  return {
    customer: customerId,
    at,
    plans: subscriptions
      .filter((sub) => sub.status !== "canceled" && sub.status !== "pending" && (!sub.endedAt || sub.endedAt > at))
      .map((sub) => ({ subscription: sub.id, plan: sub.plan.plan, version: sub.plan.version, status: sub.status })),
    features,
  };
}

type SerializedSubscription = Omit<Subscription, "createdAt" | "endedAt" | "version" | "planStartedAt"> & {
  createdAt: string;
  planStartedAt?: string;
  endedAt: string | null;
};
