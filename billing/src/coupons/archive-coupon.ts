import { db, type EngineContext, withTransaction } from "../context";
import { emptyBody } from "../http/list-query";
import { type Coupon, type CouponRow, loadCoupon, toCoupon } from "./coupon-record";

/**
 * `POST /v1/coupons/:id/archive`: the coupon can no longer be applied; discounts already made from it keep running
 * to their end. Archiving an archived coupon answers it unchanged.
 */
export async function archiveCoupon({
  ctx,
  id,
  input,
}: {
  ctx: EngineContext;
  id: string;
  input?: unknown;
}): Promise<Coupon> {
  emptyBody.parse(input);
  return withTransaction(ctx, async (ctx) => {
    const before = await loadCoupon(ctx, id, { forUpdate: true });
    if (before.archivedAt) return before;
    const { rows } = await db(ctx).query<CouponRow>(
      "UPDATE coupons SET archived_at = $3 WHERE env = $1 AND id = $2 RETURNING *",
      [ctx.env, id, ctx.clock.now()],
    );
    return toCoupon(rows[0]!);
  });
}
