import { createGrant } from "../grants/create-grant";
import { listGrants } from "../grants/list-grants";
import { createGrantInput } from "../grants/schemas";
import { voidGrant } from "../grants/void-grant";
import type { LumenApp } from "../http/app";
import { emptyBody, listQuery } from "../http/list-query";
import { deleteOverride } from "../overrides/delete-override";
import { listOverrides } from "../overrides/list-overrides";
import { setOverrideInput } from "../overrides/schemas";
import { setOverride } from "../overrides/set-override";
import { grantParams, idParams, overrideParams } from "./params";

/** Grants and overrides of a customer (PRODUCT §10). */
export function registerGrantRoutes(app: LumenApp): void {
  const grants = { tags: ["grants"] };
  app.post("/v1/customers/:id/grants", { schema: { ...grants, params: idParams, body: createGrantInput } }, (req) =>
    createGrant({ ctx: req.ctx, customerId: req.params.id, input: req.body }),
  );
  app.get("/v1/customers/:id/grants", { schema: { ...grants, params: idParams, querystring: listQuery } }, (req) =>
    listGrants({ ctx: req.ctx, customerId: req.params.id, query: req.query }),
  );
  app.post(
    "/v1/customers/:id/grants/:grantId/void",
    { schema: { ...grants, params: grantParams, body: emptyBody } },
    (req) => voidGrant({ ctx: req.ctx, customerId: req.params.id, grantId: req.params.grantId, input: req.body }),
  );

  const overrides = { tags: ["overrides"] };
  app.put(
    "/v1/customers/:id/overrides/:feature",
    { schema: { ...overrides, params: overrideParams, body: setOverrideInput } },
    (req) => setOverride({ ctx: req.ctx, customerId: req.params.id, feature: req.params.feature, input: req.body }),
  );
  app.get(
    "/v1/customers/:id/overrides",
    { schema: { ...overrides, params: idParams, querystring: listQuery } },
    (req) => listOverrides({ ctx: req.ctx, customerId: req.params.id, query: req.query }),
  );
  app.delete("/v1/customers/:id/overrides/:feature", { schema: { ...overrides, params: overrideParams } }, (req) =>
    deleteOverride({ ctx: req.ctx, customerId: req.params.id, feature: req.params.feature }),
  );
}
