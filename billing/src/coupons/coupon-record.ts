import { Decimal, notFound, toMoneyString } from "@lumen/core";
import { db, type EngineContext } from "../context";

export type CouponDuration = "once" | "repeating" | "forever";

/** A coupon: a reusable discount, applied to customers as discounts (PRODUCT §7). */
export interface Coupon {
  id: string;
  name: string | null;
  /** A percentage in (0, 100] as a decimal string ("20", "12.5"); null for an amount off. */
  percentOff: string | null;
  /** Major units of `currency`, with its minor-unit digits ("5.00"); null for a percentage. */
  amountOff: string | null;
  /** Only with `amountOff`. */
  currency: string | null;
  duration: CouponDuration;
  /** Only with `repeating`: how many period invoices it discounts. */
  durationInPeriods: number | null;
  /** null: every plan. */
  appliesToPlans: string[] | null;
  createdAt: Date;
  /** An archived coupon cannot be applied to new customers; discounts already made keep running. */
  archivedAt: Date | null;
}

export interface CouponRow {
  id: string;
  name: string | null;
  /** numeric comes back from PostgreSQL as a string. */
  percent_off: string | null;
  amount_off: string | null;
  currency: string | null;
  duration: CouponDuration;
  duration_in_periods: number | null;
  applies_to_plans: string[] | null;
  created_at: Date;
  archived_at: Date | null;
}

export function toCoupon(row: CouponRow): Coupon {
  return {
    id: row.id,
    name: row.name,
    percentOff: row.percent_off === null ? null : new Decimal(row.percent_off).toString(),
    amountOff:
      row.amount_off === null || row.currency === null
        ? null
        : toMoneyString(new Decimal(row.amount_off), row.currency),
    currency: row.currency,
    duration: row.duration,
    durationInPeriods: row.duration_in_periods,
    appliesToPlans: row.applies_to_plans,
    createdAt: row.created_at,
    archivedAt: row.archived_at,
  };
}

/** One coupon of the environment, optionally locked; 404 when there is none with this id. */
export async function loadCoupon(
  ctx: EngineContext,
  id: string,
  { forUpdate = false }: { forUpdate?: boolean } = {},
): Promise<Coupon> {
  const { rows } = await db(ctx).query<CouponRow>(
    `SELECT * FROM coupons WHERE env = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`,
    [ctx.env, id],
  );
  const row = rows[0];
  if (!row) throw notFound("coupon", id);
  return toCoupon(row);
}
