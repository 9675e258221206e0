import { checkAtOwner, checkInput } from "../entitlements/check-at-owner";
import type { LumenApp } from "../http/app";

/** The authoritative entitlement check of the billing API (PRODUCT §9). */
export function registerCheckRoutes(app: LumenApp): void {
  app.post("/v1/check", { schema: { tags: ["entitlements"], body: checkInput } }, (req) =>
    checkAtOwner({ ctx: req.ctx, input: req.body, idempotencyKey: req.idempotencyKey ?? null }),
  );
}
