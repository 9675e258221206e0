import { db, type EngineContext } from "../context";
import { type ListQuery, type ListResult, listQuery, toListResult } from "../http/list-query";
import { type Coupon, type CouponRow, toCoupon } from "./coupon-record";

/** `GET /v1/coupons`: every coupon of the environment (archived ones too), by id; the cursor is a coupon id. */
export async function listCoupons({
  ctx,
  query,
}: {
  ctx: EngineContext;
  query: ListQuery | unknown;
}): Promise<ListResult<Coupon>> {
  const { limit, startingAfter } = listQuery.parse(query ?? {});
  const { rows } = await db(ctx).query<CouponRow>(
    "SELECT * FROM coupons WHERE env = $1 AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3",
    [ctx.env, startingAfter ?? null, limit + 1],
  );
  return toListResult(rows, limit, toCoupon);
}
