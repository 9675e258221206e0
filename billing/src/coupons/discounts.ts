import { Decimal, type TotalsDiscount } from "@lumen/core";
import { db, type EngineContext, withTransaction } from "../context";
import type { CouponDuration } from "./coupon-record";
import {
  DISCOUNT_ORDER,
  DISCOUNT_SELECT,
  type Discount,
  type DiscountRow,
  recordDiscountHistory,
  toDiscount,
} from "./discount-record";

/** A discount running for a customer, as the invoice builder needs it. */
export interface ActiveDiscount {
  /** `di_…`; also `totals.id`. */
  id: string;
  coupon: string;
  name: string | null;
  duration: CouponDuration;
  /** Period invoices it still discounts; null for `forever`. */
  periodsLeft: number | null;
  /** An amount-off coupon's currency: it discounts only invoices in that currency. Null for a percentage. */
  currency: string | null;
  totals: TotalsDiscount;
}

/**
 * The customer's discounts that have not ended, oldest first: the order they stack in on an invoice. With `period`
 * (the boundary an invoice opens), also those whose last counted period is that one: a discount used up by the
 * period's first invoice still discounts the period's other invoices (a plan and its add-ons).
 */
export async function loadActiveDiscounts(
  ctx: EngineContext,
  customerId: string,
  { period }: { period?: string } = {},
): Promise<ActiveDiscount[]> {
  const { rows } = await db(ctx).query<DiscountRow>(
    `${DISCOUNT_SELECT} WHERE d.env = $1 AND d.customer_id = $2
       AND (d.ended_at IS NULL OR d.last_period = $3) ${DISCOUNT_ORDER}`,
    [ctx.env, customerId, period ?? null],
  );
  return rows.map((row) => toActiveDiscount(toDiscount(row)));
}

export function toActiveDiscount(discount: Discount): ActiveDiscount {
  const { coupon } = discount;
  const totals: TotalsDiscount = { id: discount.id, appliesToPlans: coupon.appliesToPlans };
  if (coupon.percentOff !== null) totals.percentOff = new Decimal(coupon.percentOff);
  if (coupon.amountOff !== null) totals.amountOff = new Decimal(coupon.amountOff);
  return {
    id: discount.id,
    coupon: coupon.id,
    name: coupon.name,
    duration: coupon.duration,
    periodsLeft: periodsLeft(coupon.duration, coupon.durationInPeriods, discount.periodsUsed),
    currency: coupon.amountOff !== null ? coupon.currency : null,
    totals,
  };
}

function periodsLeft(duration: CouponDuration, durationInPeriods: number | null, used: number): number | null {
  if (duration === "forever") return null;
  const total = duration === "once" ? 1 : (durationInPeriods ?? 1);
  return Math.max(0, total - used);
}

/**
 * Counts one more period invoice for each discount: a `once` discount ends after one, a `repeating` one after
 * `durationInPeriods`, at `at` (recorded as `discount.ended`); `forever` never ends. Discounts that already ended
 * (removed meanwhile) and unknown ids are left alone.
 */
export async function recordDiscountsUsed(
  ctx: EngineContext,
  discountIds: string[],
  at: Date,
  /** The billing period the invoice opens (its boundary): a period counts once, whatever its number of invoices. */
  period: string,
): Promise<void> {
  if (discountIds.length === 0) return;
  await withTransaction(ctx, async (ctx) => {
    const { rows } = await db(ctx).query<{ id: string; ended_at: Date | null }>(
      `UPDATE customer_discounts d SET periods_used = d.periods_used + 1, last_period = $4,
         ended_at = CASE
           WHEN c.duration = 'once' THEN $3::timestamptz
           WHEN c.duration = 'repeating' AND d.periods_used + 1 >= c.duration_in_periods THEN $3::timestamptz
           ELSE NULL END
       FROM coupons c
       WHERE c.env = d.env AND c.id = d.coupon_id AND d.env = $1 AND d.id = ANY($2) AND d.ended_at IS NULL
         AND d.last_period IS DISTINCT FROM $4
       RETURNING d.id, d.ended_at`,
      [ctx.env, [...new Set(discountIds)], at, period],
    );
    const ended = rows.filter((row) => row.ended_at !== null).map((row) => row.id);
    if (ended.length === 0) return;
    const { rows: endedRows } = await db(ctx).query<DiscountRow>(
      `${DISCOUNT_SELECT} WHERE d.env = $1 AND d.id = ANY($2) ${DISCOUNT_ORDER}`,
      [ctx.env, ended],
    );
    for (const after of endedRows.map(toDiscount)) {
      const before: Discount = { ...after, periodsUsed: after.periodsUsed - 1, endedAt: null };
      await recordDiscountHistory(ctx, { type: "discount.ended", at, before, after });
    }
  });
}
