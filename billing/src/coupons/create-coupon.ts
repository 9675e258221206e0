import { invalid, LumenError } from "@lumen/core";
import { db, type EngineContext, withTransaction } from "../context";
import { type Coupon, type CouponRow, toCoupon } from "./coupon-record";
import { type CreateCouponInput, createCouponInput } from "./schemas";

/**
 * `POST /v1/coupons` (PRODUCT §7): a percentage or an amount off, for one period invoice, a number of them, or
 * forever, optionally limited to some plans. The id is the caller's; a coupon is never edited, only archived.
 */
export async function createCoupon({
  ctx,
  input,
}: {
  ctx: EngineContext;
  input: CreateCouponInput | unknown;
}): Promise<Coupon> {
  const parsed = createCouponInput.parse(input);
  return withTransaction(ctx, async (ctx) => {
    const plans = parsed.appliesToPlans ? [...new Set(parsed.appliesToPlans)] : null;
    if (plans) await checkPlansExist(ctx, plans);
    const { rows } = await db(ctx).query<CouponRow>(
      `INSERT INTO coupons (env, id, name, percent_off, amount_off, currency, duration, duration_in_periods,
                            applies_to_plans, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
       ON CONFLICT (env, id) DO NOTHING RETURNING *`,
      [
        ctx.env,
        parsed.id,
        parsed.name ?? null,
        parsed.percentOff ?? null,
        parsed.amountOff ?? null,
        parsed.currency ?? null,
        parsed.duration,
        parsed.durationInPeriods ?? null,
        plans === null ? null : JSON.stringify(plans),
        ctx.clock.now(),
      ],
    );
    const row = rows[0];
    if (!row) throw new LumenError("conflict", `A coupon with id '${parsed.id}' already exists`);
    return toCoupon(row);
  });
}

/** Like Stripe's `applies_to.products`, a coupon names plans that exist (archived ones included). */
async function checkPlansExist(ctx: EngineContext, plans: string[]): Promise<void> {
  const { rows } = await db(ctx).query<{ id: string }>("SELECT id FROM plans WHERE env = $1 AND id = ANY($2)", [
    ctx.env,
    plans,
  ]);
  const known = new Set(rows.map((row) => row.id));
  const index = plans.findIndex((plan) => !known.has(plan));
  if (index >= 0) throw invalid(`appliesToPlans.${index}`, `no plan with id '${plans[index]}'`);
}
