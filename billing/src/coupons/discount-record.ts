import { notFound } from "@lumen/core";
import { db, type EngineContext } from "../context";
import { recordHistory } from "../history/record-history";
import { type Coupon, type CouponDuration, toCoupon } from "./coupon-record";

/** A coupon applied to a customer (PRODUCT §7); `periodsUsed` counts the period invoices it discounted. */
export interface Discount {
  /** `di_…` */
  id: string;
  customer: string;
  coupon: Coupon;
  periodsUsed: number;
  /** The customer's time when it was applied (its test clock's, if any). */
  createdAt: Date;
  /** Removed, or used up (`once` after one period invoice, `repeating` after `durationInPeriods`). */
  endedAt: Date | null;
}

export interface DiscountRow {
  id: string;
  customer_id: string;
  periods_used: number;
  created_at: Date;
  ended_at: Date | null;
  coupon_id: string;
  coupon_name: string | null;
  percent_off: string | null;
  amount_off: string | null;
  currency: string | null;
  duration: CouponDuration;
  duration_in_periods: number | null;
  applies_to_plans: string[] | null;
  coupon_created_at: Date;
  coupon_archived_at: Date | null;
}

/** A discount with its coupon, in one row; callers add WHERE (on `d`), ORDER BY and locks. */
export const DISCOUNT_SELECT = `SELECT d.id, d.customer_id, d.periods_used, d.created_at, d.ended_at,
    c.id AS coupon_id, c.name AS coupon_name, c.percent_off, c.amount_off, c.currency, c.duration,
    c.duration_in_periods, c.applies_to_plans, c.created_at AS coupon_created_at, c.archived_at AS coupon_archived_at
  FROM customer_discounts d JOIN coupons c ON c.env = d.env AND c.id = d.coupon_id`;

/** Discounts apply in the order they were made (Stripe stacks them the same way). */
export const DISCOUNT_ORDER = "ORDER BY d.created_at, d.seq";

export function toDiscount(row: DiscountRow): Discount {
  return {
    id: row.id,
    customer: row.customer_id,
    coupon: toCoupon({
      id: row.coupon_id,
      name: row.coupon_name,
      percent_off: row.percent_off,
      amount_off: row.amount_off,
      currency: row.currency,
      duration: row.duration,
      duration_in_periods: row.duration_in_periods,
      applies_to_plans: row.applies_to_plans,
      created_at: row.coupon_created_at,
      archived_at: row.coupon_archived_at,
    }),
    periodsUsed: row.periods_used,
    createdAt: row.created_at,
    endedAt: row.ended_at,
  };
}

/** One discount of the customer, optionally locked; 404 when the customer has none with this id. */
export async function loadDiscount(
  ctx: EngineContext,
  { customerId, discountId, forUpdate = false }: { customerId: string; discountId: string; forUpdate?: boolean },
): Promise<Discount> {
  const { rows } = await db(ctx).query<DiscountRow>(
    `${DISCOUNT_SELECT} WHERE d.env = $1 AND d.customer_id = $2 AND d.id = $3${forUpdate ? " FOR UPDATE OF d" : ""}`,
    [ctx.env, customerId, discountId],
  );
  const row = rows[0];
  if (!row) throw notFound("discount", discountId);
  return toDiscount(row);
}

/** `discount.applied`, `discount.removed`, `discount.ended`: a version of the discount in the customer's history. */
export async function recordDiscountHistory(
  ctx: EngineContext,
  { type, at, before, after }: { type: string; at: Date; before: Discount | null; after: Discount },
): Promise<void> {
  await recordHistory(ctx, {
    customerId: after.customer,
    objectType: "discount",
    objectId: after.id,
    type,
    at,
    before,
    after,
  });
}
