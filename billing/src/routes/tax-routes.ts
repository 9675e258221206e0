import type { LumenApp } from "../http/app";
import { emptyBody, listQuery } from "../http/list-query";
import { createTaxRate } from "../tax/create-tax-rate";
import { getTaxRate, listTaxRates } from "../tax/list-tax-rates";
import { createTaxRateInput, updateTaxRateInput } from "../tax/schemas";
import { getTaxSettings, putTaxSettings, taxSettingsInput } from "../tax/tax-settings";
import { archiveTaxRate, updateTaxRate } from "../tax/update-tax-rate";
import { idParams } from "./params";

/** Tax settings and custom tax rates (PRODUCT §8). */
export function registerTaxRoutes(app: LumenApp): void {
  const settings = { tags: ["settings"] };
  app.get("/v1/settings/tax", { schema: settings }, (req) => getTaxSettings({ ctx: req.ctx }));
  app.put("/v1/settings/tax", { schema: { ...settings, body: taxSettingsInput } }, (req) =>
    putTaxSettings({ ctx: req.ctx, input: req.body }),
  );

  const taxRates = { tags: ["tax-rates"] };
  app.post("/v1/tax-rates", { schema: { ...taxRates, body: createTaxRateInput } }, (req) =>
    createTaxRate({ ctx: req.ctx, input: req.body }),
  );
  app.get("/v1/tax-rates", { schema: { ...taxRates, querystring: listQuery } }, (req) =>
    listTaxRates({ ctx: req.ctx, query: req.query }),
  );
  app.get("/v1/tax-rates/:id", { schema: { ...taxRates, params: idParams } }, (req) =>
    getTaxRate({ ctx: req.ctx, id: req.params.id }),
  );
  app.patch("/v1/tax-rates/:id", { schema: { ...taxRates, params: idParams, body: updateTaxRateInput } }, (req) =>
    updateTaxRate({ ctx: req.ctx, id: req.params.id, input: req.body }),
  );
  app.post("/v1/tax-rates/:id/archive", { schema: { ...taxRates, params: idParams, body: emptyBody } }, (req) =>
    archiveTaxRate({ ctx: req.ctx, id: req.params.id, input: req.body }),
  );
}
