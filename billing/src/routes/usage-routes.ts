import type { LumenApp } from "../http/app";
import { getUsageTimeseries, timeseriesQuery } from "../usage/get-timeseries";
import { getCustomerUsage } from "../usage/get-usage";
import { listEvents, listEventsQuery } from "../usage/list-events";
import { trackBatch, trackEvent } from "../usage/track-events";
import { idParams } from "./params";

/** Batch bodies may reach 8 MB (PRODUCT §1). */
const BATCH_BODY_LIMIT = 8 * 1024 * 1024;

export function registerUsageRoutes(app: LumenApp): void {
  const usage = { tags: ["usage"] };
  app.post("/v1/track", { schema: usage }, async (req, reply) => {
    reply.code(202);
    return trackEvent({ ctx: req.ctx, input: req.body });
  });
  app.post("/v1/events/batch", { schema: usage, bodyLimit: BATCH_BODY_LIMIT }, async (req, reply) => {
    reply.code(202);
    return trackBatch({ ctx: req.ctx, input: req.body });
  });
  app.get("/v1/events", { schema: { ...usage, querystring: listEventsQuery } }, (req) =>
    listEvents({ ctx: req.ctx, query: req.query }),
  );
  app.get("/v1/customers/:id/usage", { schema: { ...usage, params: idParams } }, (req) =>
    getCustomerUsage({ ctx: req.ctx, customerId: req.params.id }),
  );
  app.get(
    "/v1/customers/:id/usage/timeseries",
    { schema: { ...usage, params: idParams, querystring: timeseriesQuery } },
    (req) => getUsageTimeseries({ ctx: req.ctx, customerId: req.params.id, query: req.query }),
  );
}
