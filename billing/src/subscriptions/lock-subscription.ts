import { notFound } from "@lumen/core";
import { db, type EngineContext } from "../context";
import { type Customer, type CustomerRow, toCustomer } from "../customers/customer-record";
import { loadSubscription, type Subscription } from "./subscription-record";

/**
 * Locks a subscription for a change, always in the same order — its customer's row first, then the
 * subscription — so that attach, cancel, resume, renewals and migrations never deadlock each other.
 */
export async function lockSubscription(
  ctx: EngineContext,
  id: string,
): Promise<{ sub: Subscription; customer: Customer }> {
  const unlocked = await loadSubscription(ctx, id);
  const { rows } = await db(ctx).query<CustomerRow>("SELECT * FROM customers WHERE env = $1 AND id = $2 FOR UPDATE", [
    ctx.env,
    unlocked.customer,
  ]);
  const row = rows[0];
  if (!row) throw notFound("customer", unlocked.customer);
  return { sub: await loadSubscription(ctx, id, { forUpdate: true }), customer: toCustomer(row) };
}
