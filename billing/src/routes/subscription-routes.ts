import {
  advanceTestClock,
  advanceTestClockInput,
  createTestClock,
  createTestClockInput,
  deleteTestClock,
  getTestClock,
  listTestClocks,
} from "../clocks/test-clocks";
import type { LumenApp } from "../http/app";
import { emptyBody, listQuery } from "../http/list-query";
import { jobHandlers } from "../jobs/handlers";
import { attachPlan } from "../subscriptions/attach-plan";
import { cancelSubscription, getSubscription, resumeSubscription } from "../subscriptions/cancel-subscription";
import { attachInput, cancelInput } from "../subscriptions/schemas";
import { idParams } from "./params";

export function registerSubscriptionRoutes(app: LumenApp): void {
  const subscriptions = { tags: ["subscriptions"] };
  app.post("/v1/attach", { schema: { ...subscriptions, body: attachInput } }, (req) =>
    attachPlan({ ctx: req.ctx, input: req.body }),
  );
  app.get("/v1/subscriptions/:id", { schema: { ...subscriptions, params: idParams } }, (req) =>
    getSubscription({ ctx: req.ctx, id: req.params.id }),
  );
  app.post(
    "/v1/subscriptions/:id/cancel",
    { schema: { ...subscriptions, params: idParams, body: cancelInput.optional() } },
    (req) => cancelSubscription({ ctx: req.ctx, id: req.params.id, input: req.body }),
  );
  app.post(
    "/v1/subscriptions/:id/resume",
    { schema: { ...subscriptions, params: idParams, body: emptyBody } },
    (req) => {
      emptyBody.parse(req.body);
      return resumeSubscription({ ctx: req.ctx, id: req.params.id });
    },
  );

  const clocks = { tags: ["test clocks"] };
  app.post("/v1/test-clocks", { schema: { ...clocks, body: createTestClockInput } }, (req) =>
    createTestClock({ ctx: req.ctx, input: req.body }),
  );
  app.get("/v1/test-clocks", { schema: { ...clocks, querystring: listQuery } }, (req) =>
    listTestClocks({ ctx: req.ctx, query: req.query }),
  );
  app.get("/v1/test-clocks/:id", { schema: { ...clocks, params: idParams } }, (req) =>
    getTestClock({ ctx: req.ctx, id: req.params.id }),
  );
  app.delete("/v1/test-clocks/:id", { schema: { ...clocks, params: idParams } }, (req) =>
    deleteTestClock({ ctx: req.ctx, id: req.params.id }),
  );
  app.post(
    "/v1/test-clocks/:id/advance",
    { schema: { ...clocks, params: idParams, body: advanceTestClockInput } },
    (req) => advanceTestClock({ ctx: req.ctx, id: req.params.id, input: req.body, handlers: jobHandlers }),
  );
}
