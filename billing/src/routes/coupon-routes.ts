import { z } from "zod";
import { applyDiscount } from "../coupons/apply-discount";
import { archiveCoupon } from "../coupons/archive-coupon";
import { createCoupon } from "../coupons/create-coupon";
import { getCoupon } from "../coupons/get-coupon";
import { listCoupons } from "../coupons/list-coupons";
import { listDiscounts } from "../coupons/list-discounts";
import { removeDiscount } from "../coupons/remove-discount";
import { applyDiscountInput, createCouponInput } from "../coupons/schemas";
import { adjustCreditBalance } from "../credit-balance/adjust-credit-balance";
import { getCreditBalance } from "../credit-balance/get-credit-balance";
import { adjustCreditBalanceInput } from "../credit-balance/schemas";
import type { LumenApp } from "../http/app";
import { emptyBody, listQuery } from "../http/list-query";
import { idParams } from "./params";

const discountParams = z.object({ id: z.string().min(1).max(255), discountId: z.string().min(1).max(255) });

/** Coupons, the discounts they make for customers, and the customer credit balance (PRODUCT §7). */
export function registerCouponRoutes(app: LumenApp): void {
  const coupons = { tags: ["coupons"] };
  app.post("/v1/coupons", { schema: { ...coupons, body: createCouponInput } }, (req) =>
    createCoupon({ ctx: req.ctx, input: req.body }),
  );
  app.get("/v1/coupons", { schema: { ...coupons, querystring: listQuery } }, (req) =>
    listCoupons({ ctx: req.ctx, query: req.query }),
  );
  app.get("/v1/coupons/:id", { schema: { ...coupons, params: idParams } }, (req) =>
    getCoupon({ ctx: req.ctx, id: req.params.id }),
  );
  app.post("/v1/coupons/:id/archive", { schema: { ...coupons, params: idParams, body: emptyBody } }, (req) =>
    archiveCoupon({ ctx: req.ctx, id: req.params.id, input: req.body }),
  );

  const discounts = { tags: ["discounts"] };
  app.post(
    "/v1/customers/:id/discounts",
    { schema: { ...discounts, params: idParams, body: applyDiscountInput } },
    (req) => applyDiscount({ ctx: req.ctx, customerId: req.params.id, input: req.body }),
  );
  app.get(
    "/v1/customers/:id/discounts",
    { schema: { ...discounts, params: idParams, querystring: listQuery } },
    (req) => listDiscounts({ ctx: req.ctx, customerId: req.params.id, query: req.query }),
  );
  app.delete("/v1/customers/:id/discounts/:discountId", { schema: { ...discounts, params: discountParams } }, (req) =>
    removeDiscount({ ctx: req.ctx, customerId: req.params.id, discountId: req.params.discountId }),
  );

  const creditBalance = { tags: ["credit-balance"] };
  app.post(
    "/v1/customers/:id/credit-balance",
    { schema: { ...creditBalance, params: idParams, body: adjustCreditBalanceInput } },
    (req) => adjustCreditBalance({ ctx: req.ctx, customerId: req.params.id, input: req.body }),
  );
  app.get("/v1/customers/:id/credit-balance", { schema: { ...creditBalance, params: idParams } }, (req) =>
    getCreditBalance({ ctx: req.ctx, customerId: req.params.id }),
  );
}
