import type { LumenApp } from "../http/app";
import { handleProviderWebhook } from "../payments/handle-webhook";
import { listPayments } from "../payments/list-payments";
import { getPaymentSettings, paymentSettingsInput, putPaymentSettings } from "../payments/payment-settings";
import { idParams } from "./params";

/** Payment settings, an invoice's payment attempts, and the provider's webhook (PRODUCT §13). */
export function registerPaymentRoutes(app: LumenApp): void {
  const settings = { tags: ["settings"] };
  app.get("/v1/settings/payments", { schema: settings }, (req) => getPaymentSettings({ ctx: req.ctx }));
  app.put("/v1/settings/payments", { schema: { ...settings, body: paymentSettingsInput } }, (req) =>
    putPaymentSettings({ ctx: req.ctx, input: req.body }),
  );
  app.get("/v1/invoices/:id/payments", { schema: { tags: ["payments"], params: idParams } }, (req) =>
    listPayments({ ctx: req.ctx, invoiceId: req.params.id }),
  );
  // The webhook reads its body as bytes: the signature is over them, exactly as sent. Not part of the API the SDK
  // calls, so it stays out of /openapi.json.
  app.register(async (scope) => {
    scope.addContentTypeParser("application/json", { parseAs: "buffer" }, (_req, body, done) => done(null, body));
    scope.post("/v1/providers/stripe/webhook", { schema: { hide: true } }, (req) =>
      handleProviderWebhook({
        ctx: req.ctx,
        rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.from(String(req.body ?? "")),
        headers: req.headers,
      }),
    );
  });
}
