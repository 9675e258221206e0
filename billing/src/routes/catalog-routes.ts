import { archiveFeature, createFeature, getFeature, listFeatures, updateFeature } from "../catalog/features";
import { migratePlan } from "../catalog/migrate-plan";
import {
  archivePlan,
  createPlan,
  getPlan,
  getPlanVersion,
  listPlans,
  listPlanVersions,
  planVersionsQuery,
  updatePlan,
} from "../catalog/plans";
import {
  createFeatureInput,
  createPlanInput,
  migratePlanInput,
  updateFeatureInput,
  updatePlanInput,
} from "../catalog/schemas";
import type { LumenApp } from "../http/app";
import { emptyBody, listQuery } from "../http/list-query";
import { idParams, versionParams } from "./params";

export function registerCatalogRoutes(app: LumenApp): void {
  const features = { tags: ["features"] };
  app.post("/v1/features", { schema: { ...features, body: createFeatureInput } }, (req) =>
    createFeature({ ctx: req.ctx, input: req.body }),
  );
  app.get("/v1/features", { schema: { ...features, querystring: listQuery } }, (req) =>
    listFeatures({ ctx: req.ctx, query: req.query }),
  );
  app.get("/v1/features/:id", { schema: { ...features, params: idParams } }, (req) =>
    getFeature({ ctx: req.ctx, id: req.params.id }),
  );
  app.patch("/v1/features/:id", { schema: { ...features, params: idParams, body: updateFeatureInput } }, (req) =>
    updateFeature({ ctx: req.ctx, id: req.params.id, input: req.body }),
  );
  app.post("/v1/features/:id/archive", { schema: { ...features, params: idParams, body: emptyBody } }, (req) => {
    emptyBody.parse(req.body);
    return archiveFeature({ ctx: req.ctx, id: req.params.id });
  });

  const plans = { tags: ["plans"] };
  app.post("/v1/plans", { schema: { ...plans, body: createPlanInput } }, (req) =>
    createPlan({ ctx: req.ctx, input: req.body }),
  );
  app.get("/v1/plans", { schema: { ...plans, querystring: listQuery } }, (req) =>
    listPlans({ ctx: req.ctx, query: req.query }),
  );
  app.get("/v1/plans/:id", { schema: { ...plans, params: idParams } }, (req) =>
    getPlan({ ctx: req.ctx, id: req.params.id }),
  );
  app.put("/v1/plans/:id", { schema: { ...plans, params: idParams, body: updatePlanInput } }, (req) =>
    updatePlan({ ctx: req.ctx, id: req.params.id, input: req.body }),
  );
  app.get("/v1/plans/:id/versions", { schema: { ...plans, params: idParams, querystring: planVersionsQuery } }, (req) =>
    listPlanVersions({ ctx: req.ctx, id: req.params.id, query: req.query }),
  );
  app.get("/v1/plans/:id/versions/:version", { schema: { ...plans, params: versionParams } }, (req) =>
    getPlanVersion({ ctx: req.ctx, id: req.params.id, version: req.params.version }),
  );
  app.post("/v1/plans/:id/archive", { schema: { ...plans, params: idParams, body: emptyBody } }, (req) => {
    emptyBody.parse(req.body);
    return archivePlan({ ctx: req.ctx, id: req.params.id });
  });
  app.post("/v1/plans/:id/migrate", { schema: { ...plans, params: idParams, body: migratePlanInput } }, (req) =>
    migratePlan({ ctx: req.ctx, id: req.params.id, input: req.body }),
  );
}
