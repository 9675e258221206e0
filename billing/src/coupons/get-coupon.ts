import type { EngineContext } from "../context";
import { type Coupon, loadCoupon } from "./coupon-record";

/** `GET /v1/coupons/:id`: archived coupons too. */
export async function getCoupon({ ctx, id }: { ctx: EngineContext; id: string }): Promise<Coupon> {
  return loadCoupon(ctx, id);
}
