import {
  creditNoteTax,
  Decimal,
  LumenError,
  minorUnits,
  newId,
  notFound,
  positiveDecimalString,
  toMoneyString,
} from "@lumen/core";
import { z } from "zod";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, withTransaction } from "../context";
import { appendCreditTransaction } from "../credit-balance/credit-balance";
import { loadCustomer } from "../customers/customer-record";
import { recordHistory } from "../history/record-history";
import { refundThroughProvider } from "../payments/refund-credit-note";
import { nextDocumentNumber } from "./finalize-invoice";
import { loadInvoice, lockInvoice } from "./invoice-record";

export const createCreditNoteInput = z.strictObject({
  amount: positiveDecimalString,
  reason: z.enum(["duplicate", "fraudulent", "order_change", "product_unsatisfactory", "other"]).default("other"),
  refund: z.enum(["provider", "credit_balance", "none"]).default("credit_balance"),
  memo: z.string().max(1000).optional(),
});

interface CreditNoteRow {
  id: string;
  number: string;
  invoice_id: string;
  customer_id: string;
  amount: string;
  tax_amount: string;
  currency: string;
  reason: string;
  refund: string;
  memo: string | null;
  status: string;
  created_at: Date;
}

function serializeCreditNote(row: CreditNoteRow) {
  return {
    id: row.id,
    number: row.number,
    invoice: row.invoice_id,
    customer: row.customer_id,
    amount: toMoneyString(new Decimal(row.amount), row.currency),
    /** The tax included in `amount`: its share of the invoice's tax. */
    taxAmount: toMoneyString(new Decimal(row.tax_amount), row.currency),
    currency: row.currency,
    reason: row.reason,
    refund: row.refund,
    memo: row.memo,
    status: row.status,
    createdAt: row.created_at,
  };
}

/**
 * `POST /v1/invoices/:id/credit-notes` (PRODUCT §7): money given back on a final invoice, numbered like invoices
 * (CN-000001), never more in all than the invoice's total. The invoice itself stays as it was (immutable); the
 * amount goes to the customer's credit balance (`credit_balance`, the default), nowhere (`none`: a write-off), or
 * back through the payment provider that collected it (`provider`).
 */
export async function createCreditNote({
  ctx,
  invoiceId,
  input,
  requestKey,
}: {
  ctx: EngineContext;
  invoiceId: string;
  input: unknown;
  /** The request's Idempotency-Key: a retried request refunds through the provider with the same key. */
  requestKey?: string;
}) {
  const parsed = createCreditNoteInput.parse(input ?? {});
  return withTransaction(ctx, async (ctx) => {
    const invoice = await lockInvoice(ctx, invoiceId);
    if (invoice.status === "draft" || invoice.status === "void") {
      throw new LumenError(
        "conflict",
        `Invoice '${invoiceId}' is ${invoice.status}: only a final invoice takes credit notes`,
      );
    }
    const amount = new Decimal(parsed.amount);
    if (amount.decimalPlaces() > minorUnits(invoice.currency)) {
      throw new LumenError("validation_error", `Too many decimals for ${invoice.currency}`, [
        { path: "amount", message: `at most ${minorUnits(invoice.currency)} decimals in ${invoice.currency}` },
      ]);
    }
    const { rows: credited } = await db(ctx).query<{ sum: string | null }>(
      "SELECT sum(amount)::text AS sum FROM credit_notes WHERE env = $1 AND invoice_id = $2",
      [ctx.env, invoiceId],
    );
    const left = invoice.total.minus(credited[0]?.sum ?? 0);
    if (amount.gt(left)) {
      throw new LumenError("validation_error", `The credit notes of an invoice cannot exceed its total`, [
        {
          path: "amount",
          message: `at most ${toMoneyString(Decimal.max(0, left), invoice.currency)} is left to credit`,
        },
      ]);
    }
    const customer = await loadCustomer(ctx, invoice.customer).catch(() => ({ testClockId: null }));
    const at = await customerNow(ctx, customer);
    const { rows } = await db(ctx).query<CreditNoteRow>(
      `INSERT INTO credit_notes (env, id, number, invoice_id, customer_id, amount, currency, reason, refund, memo, created_at,
         tax_amount)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING *`,
      [
        ctx.env,
        newId("cn"),
        await nextDocumentNumber(ctx, "credit_note"),
        invoiceId,
        invoice.customer,
        amount.toString(),
        invoice.currency,
        parsed.reason,
        parsed.refund,
        parsed.memo ?? null,
        at,
        creditNoteTax({
          amount,
          invoiceTotal: invoice.total,
          invoiceTax: invoice.taxTotal,
          currency: invoice.currency,
        }).toString(),
      ],
    );
    const note = rows[0]!;
    if (parsed.refund === "provider") {
      await refundThroughProvider(ctx, { creditNoteId: note.id, requestKey, invoice, amount, at });
    }
    if (parsed.refund === "credit_balance") {
      await appendCreditTransaction(ctx, {
        customerId: invoice.customer,
        type: "credit_note",
        amount,
        currency: invoice.currency,
        description: `Credit note ${note.number} on invoice ${invoice.number}`,
        invoiceId,
        creditNoteId: note.id,
        at,
      });
    }
    await recordHistory(ctx, {
      customerId: invoice.customer,
      objectType: "credit_note",
      objectId: note.id,
      type: "credit_note.created",
      at,
      before: null,
      after: serializeCreditNote(note),
    });
    return serializeCreditNote(note);
  });
}

/** `GET /v1/invoices/:id/credit-notes`: the invoice's credit notes, oldest first. */
export async function listCreditNotes({ ctx, invoiceId }: { ctx: EngineContext; invoiceId: string }) {
  await loadInvoice(ctx, invoiceId);
  const { rows } = await db(ctx).query<CreditNoteRow>(
    "SELECT * FROM credit_notes WHERE env = $1 AND invoice_id = $2 ORDER BY created_at, number",
    [ctx.env, invoiceId],
  );
  return { data: rows.map(serializeCreditNote), hasMore: false };
}

/** `GET /v1/credit-notes/:id`. */
export async function getCreditNote({ ctx, id }: { ctx: EngineContext; id: string }) {
  const { rows } = await db(ctx).query<CreditNoteRow>("SELECT * FROM credit_notes WHERE env = $1 AND id = $2", [
    ctx.env,
    id,
  ]);
  if (!rows[0]) throw notFound("credit note", id);
  return serializeCreditNote(rows[0]);
}
