import { planVersionCache } from "../catalog/plan-record";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext } from "../context";
import { loadFeatureFacts } from "../entitlements/load-feature-facts";
import { resolveEntitlements } from "../entitlements/resolve-entitlements";
import { type ListQuery, listQuery, toListResult } from "../http/list-query";
import { listCustomerSubscriptions, serializeSubscription } from "../subscriptions/subscription-record";
import { type CustomerRow, loadCustomer, serializeCustomer, toCustomer } from "./customer-record";

/** `GET /v1/customers/:id`: the customer, its subscriptions and what it is entitled to now. */
export async function getCustomer({ ctx, id }: { ctx: EngineContext; id: string }) {
  const customer = await loadCustomer(ctx, id);
  const now = await customerNow(ctx, customer);
  const subscriptions = await listCustomerSubscriptions(ctx, id);
  const planOf = planVersionCache(ctx);
  const facts = [];
  for (const sub of subscriptions) {
    if (sub.endedAt) continue;
    facts.push({ ...sub, plan: await planOf(sub.plan, sub.planVersion) });
  }
  const entitlements = resolveEntitlements({ at: now, subscriptions: facts, features: await loadFeatureFacts(ctx) });
  return {
    ...serializeCustomer(customer),
    subscriptions: subscriptions.filter((sub) => !sub.endedAt).map(serializeSubscription),
    entitlements,
  };
}

export async function listCustomers({ ctx, query }: { ctx: EngineContext; query: ListQuery | unknown }) {
  const { limit, startingAfter } = listQuery.parse(query ?? {});
  const { rows } = await db(ctx).query<CustomerRow>(
    `SELECT * FROM customers WHERE env = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR id > $2)
     ORDER BY id LIMIT $3`,
    [ctx.env, startingAfter ?? null, limit + 1],
  );
  return toListResult(rows, limit, (row) => serializeCustomer(toCustomer(row)));
}
