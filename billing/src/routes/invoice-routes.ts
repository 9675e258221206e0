import type { LumenApp } from "../http/app";
import { emptyBody } from "../http/list-query";
import { createCreditNote, createCreditNoteInput, getCreditNote, listCreditNotes } from "../invoices/credit-notes";
import {
  finalizeInvoiceNow,
  getInvoice,
  getInvoicePdf,
  listInvoices,
  listInvoicesQuery,
  markInvoiceUncollectible,
  payInvoice,
  payInvoiceInput,
  voidInvoice,
} from "../invoices/invoice-actions";
import { getInvoiceSettings, invoiceSettingsInput, putInvoiceSettings } from "../invoices/invoice-settings";
import { getUpcomingInvoice, upcomingInvoiceQuery } from "../invoices/upcoming-invoice";
import { idParams } from "./params";

/** Invoices, credit notes and invoice settings (PRODUCT §7). */
export function registerInvoiceRoutes(app: LumenApp): void {
  const invoices = { tags: ["invoices"] };
  app.get("/v1/invoices", { schema: { ...invoices, querystring: listInvoicesQuery } }, (req) =>
    listInvoices({ ctx: req.ctx, query: req.query }),
  );
  app.get("/v1/invoices/:id", { schema: { ...invoices, params: idParams } }, (req) =>
    getInvoice({ ctx: req.ctx, id: req.params.id }),
  );
  app.get("/v1/invoices/:id/pdf", { schema: { ...invoices, params: idParams } }, async (req, reply) => {
    const pdf = await getInvoicePdf({ ctx: req.ctx, id: req.params.id });
    reply.type("application/pdf").header("content-disposition", `inline; filename="${req.params.id}.pdf"`);
    return pdf;
  });
  app.post("/v1/invoices/:id/finalize", { schema: { ...invoices, params: idParams, body: emptyBody } }, (req) =>
    finalizeInvoiceNow({ ctx: req.ctx, id: req.params.id }),
  );
  app.post("/v1/invoices/:id/void", { schema: { ...invoices, params: idParams, body: emptyBody } }, (req) =>
    voidInvoice({ ctx: req.ctx, id: req.params.id }),
  );
  app.post(
    "/v1/invoices/:id/mark-uncollectible",
    { schema: { ...invoices, params: idParams, body: emptyBody } },
    (req) => markInvoiceUncollectible({ ctx: req.ctx, id: req.params.id }),
  );
  app.post("/v1/invoices/:id/pay", { schema: { ...invoices, params: idParams, body: payInvoiceInput } }, (req) =>
    payInvoice({ ctx: req.ctx, id: req.params.id, input: req.body }),
  );
  app.get(
    "/v1/customers/:id/upcoming-invoice",
    { schema: { ...invoices, params: idParams, querystring: upcomingInvoiceQuery } },
    (req) => getUpcomingInvoice({ ctx: req.ctx, customerId: req.params.id, query: req.query }),
  );

  const creditNotes = { tags: ["credit-notes"] };
  app.post(
    "/v1/invoices/:id/credit-notes",
    { schema: { ...creditNotes, params: idParams, body: createCreditNoteInput } },
    (req) =>
      createCreditNote({
        ctx: req.ctx,
        invoiceId: req.params.id,
        input: req.body,
        ...(req.idempotencyKey ? { requestKey: req.idempotencyKey } : {}),
      }),
  );
  app.get("/v1/invoices/:id/credit-notes", { schema: { ...creditNotes, params: idParams } }, (req) =>
    listCreditNotes({ ctx: req.ctx, invoiceId: req.params.id }),
  );
  app.get("/v1/credit-notes/:id", { schema: { ...creditNotes, params: idParams } }, (req) =>
    getCreditNote({ ctx: req.ctx, id: req.params.id }),
  );

  const settings = { tags: ["settings"] };
  app.get("/v1/settings/invoices", { schema: settings }, (req) => getInvoiceSettings({ ctx: req.ctx }));
  app.put("/v1/settings/invoices", { schema: { ...settings, body: invoiceSettingsInput } }, (req) =>
    putInvoiceSettings({ ctx: req.ctx, input: req.body }),
  );
}
