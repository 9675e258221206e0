import { createCustomer } from "../customers/create-customer";
import { deleteCustomer } from "../customers/delete-customer";
import { createEntity, deleteEntity, listEntities } from "../customers/entities";
import { getCustomer, listCustomers } from "../customers/get-customer";
import { createCustomerInput, createEntityInput, updateCustomerInput } from "../customers/schemas";
import { updateCustomer } from "../customers/update-customer";
import { entitlementsAtQuery, getEntitlementsAt } from "../entitlements/get-entitlements-at";
import { getCustomerHistory, historyQuery } from "../history/get-history";
import type { LumenApp } from "../http/app";
import { listQuery } from "../http/list-query";
import { entityParams, idParams } from "./params";

export function registerCustomerRoutes(app: LumenApp): void {
  const customers = { tags: ["customers"] };
  app.post("/v1/customers", { schema: { ...customers, body: createCustomerInput } }, (req) =>
    createCustomer({ ctx: req.ctx, input: req.body }),
  );
  app.get("/v1/customers", { schema: { ...customers, querystring: listQuery } }, (req) =>
    listCustomers({ ctx: req.ctx, query: req.query }),
  );
  app.get("/v1/customers/:id", { schema: { ...customers, params: idParams } }, (req) =>
    getCustomer({ ctx: req.ctx, id: req.params.id }),
  );
  app.patch("/v1/customers/:id", { schema: { ...customers, params: idParams, body: updateCustomerInput } }, (req) =>
    updateCustomer({ ctx: req.ctx, id: req.params.id, input: req.body }),
  );
  app.delete("/v1/customers/:id", { schema: { ...customers, params: idParams } }, (req) =>
    deleteCustomer({ ctx: req.ctx, id: req.params.id }),
  );
  app.get(
    "/v1/customers/:id/history",
    { schema: { ...customers, params: idParams, querystring: historyQuery } },
    (req) => getCustomerHistory({ ctx: req.ctx, customerId: req.params.id, query: req.query }),
  );
  app.get(
    "/v1/customers/:id/entitlements",
    { schema: { ...customers, params: idParams, querystring: entitlementsAtQuery } },
    (req) => getEntitlementsAt({ ctx: req.ctx, customerId: req.params.id, query: req.query }),
  );

  const entities = { tags: ["entities"] };
  app.post(
    "/v1/customers/:id/entities",
    { schema: { ...entities, params: idParams, body: createEntityInput } },
    (req) => createEntity({ ctx: req.ctx, customerId: req.params.id, input: req.body }),
  );
  app.get("/v1/customers/:id/entities", { schema: { ...entities, params: idParams, querystring: listQuery } }, (req) =>
    listEntities({ ctx: req.ctx, customerId: req.params.id, query: req.query }),
  );
  app.delete("/v1/customers/:id/entities/:entityId", { schema: { ...entities, params: entityParams } }, (req) =>
    deleteEntity({ ctx: req.ctx, customerId: req.params.id, entityId: req.params.entityId }),
  );
}
