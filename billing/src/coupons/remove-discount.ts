import { LumenError } from "@lumen/core";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, withTransaction } from "../context";
import { loadCustomer } from "../customers/customer-record";
import { type Discount, loadDiscount, recordDiscountHistory } from "./discount-record";

/**
 * `DELETE /v1/customers/:id/discounts/:discountId`: the discount ends at the customer's current time; invoices already
 * finalized keep what it took off. It stays listed, ended.
 */
export async function removeDiscount({
  ctx,
  customerId,
  discountId,
}: {
  ctx: EngineContext;
  customerId: string;
  discountId: string;
}): Promise<Discount> {
  return withTransaction(ctx, async (ctx) => {
    const customer = await loadCustomer(ctx, customerId, { forUpdate: true });
    const before = await loadDiscount(ctx, { customerId, discountId, forUpdate: true });
    if (before.endedAt) {
      throw new LumenError("conflict", `Discount '${discountId}' already ended at ${before.endedAt.toISOString()}`);
    }
    const now = await customerNow(ctx, customer);
    await db(ctx).query("UPDATE customer_discounts SET ended_at = $3 WHERE env = $1 AND id = $2", [
      ctx.env,
      discountId,
      now,
    ]);
    const after: Discount = { ...before, endedAt: now };
    await recordDiscountHistory(ctx, { type: "discount.removed", at: now, before, after });
    return after;
  });
}
