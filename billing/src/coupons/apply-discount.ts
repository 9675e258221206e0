import { LumenError, newId } from "@lumen/core";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, withTransaction } from "../context";
import { loadCustomer } from "../customers/customer-record";
import { loadCoupon } from "./coupon-record";
import { type Discount, recordDiscountHistory } from "./discount-record";
import { type ApplyDiscountInput, applyDiscountInput } from "./schemas";

/**
 * `POST /v1/customers/:id/discounts`: the coupon discounts the customer's next period invoices, from the customer's
 * current time. An archived coupon, a coupon already running for the customer, and an amount off in another
 * currency than the customer's are refused.
 */
export async function applyDiscount({
  ctx,
  customerId,
  input,
}: {
  ctx: EngineContext;
  customerId: string;
  input: ApplyDiscountInput | unknown;
}): Promise<Discount> {
  const parsed = applyDiscountInput.parse(input);
  return withTransaction(ctx, async (ctx) => {
    const customer = await loadCustomer(ctx, customerId, { forUpdate: true });
    const coupon = await loadCoupon(ctx, parsed.coupon);
    if (coupon.archivedAt) {
      throw new LumenError("conflict", `Coupon '${coupon.id}' is archived: it cannot be applied to customers`);
    }
    if (coupon.currency && customer.currency && coupon.currency !== customer.currency) {
      throw new LumenError(
        "conflict",
        `Coupon '${coupon.id}' takes an amount off in ${coupon.currency} but customer '${customer.id}' pays in ${customer.currency}`,
      );
    }
    const { rows: running } = await db(ctx).query(
      "SELECT 1 FROM customer_discounts WHERE env = $1 AND customer_id = $2 AND coupon_id = $3 AND ended_at IS NULL",
      [ctx.env, customer.id, coupon.id],
    );
    if (running.length > 0) {
      throw new LumenError("conflict", `Coupon '${coupon.id}' is already applied to customer '${customer.id}'`);
    }
    const now = await customerNow(ctx, customer);
    const discount: Discount = {
      id: newId("di"),
      customer: customer.id,
      coupon,
      periodsUsed: 0,
      createdAt: now,
      endedAt: null,
    };
    await db(ctx).query(
      `INSERT INTO customer_discounts (env, id, customer_id, coupon_id, periods_used, created_at)
       VALUES ($1, $2, $3, $4, 0, $5)`,
      [ctx.env, discount.id, customer.id, coupon.id, now],
    );
    await recordDiscountHistory(ctx, { type: "discount.applied", at: now, before: null, after: discount });
    return discount;
  });
}
