import type { EngineContext } from "../context";
import { loadInvoice } from "../invoices/invoice-record";
import { listInvoicePayments, serializePayment } from "./payment-record";

/** `GET /v1/invoices/:id/payments`: every attempt to collect the invoice through the provider, first to last. */
export async function listPayments({ ctx, invoiceId }: { ctx: EngineContext; invoiceId: string }) {
  await loadInvoice(ctx, invoiceId);
  return { data: (await listInvoicePayments(ctx, invoiceId)).map(serializePayment), hasMore: false };
}
