import { LumenError } from "@lumen/core";
import { z } from "zod";
import { loadPlanVersion } from "../catalog/plan-record";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, withTransaction } from "../context";
import { appendCreditTransaction, creditBalanceOf } from "../credit-balance/credit-balance";
import { loadCustomer } from "../customers/customer-record";
import { recordHistory } from "../history/record-history";
import { listQuery } from "../http/list-query";
import type { Job } from "../jobs/run-due-jobs";
import { endDunning } from "../payments/collect-invoice";
import { usageLinesOf } from "./close-period";
import { computeTotalsFor, finalizeInvoice, withTotals } from "./finalize-invoice";
import { renderInvoicePdf } from "./invoice-pdf";
import {
  type Invoice,
  listInvoiceRecords,
  loadInvoice,
  lockInvoice,
  replaceDraftLines,
  serializeInvoice,
  writeInvoiceStatus,
} from "./invoice-record";
import { loadInvoiceSettings } from "./invoice-settings";
import type { InvoiceView } from "./invoice-view";

export const listInvoicesQuery = listQuery.extend({
  customer: z.string().min(1).max(255).optional(),
  subscription: z.string().min(1).max(255).optional(),
  status: z.enum(["draft", "open", "paid", "void", "uncollectible"]).optional(),
});

export const payInvoiceInput = z.strictObject({ outOfBand: z.literal(true) });

/**
 * A draft shows the totals it would have if finalized when it is due to be (its tax at that day's rates); a final
 * invoice shows its own.
 */
async function viewOf(ctx: EngineContext, invoice: Invoice): Promise<InvoiceView> {
  if (invoice.status !== "draft") return serializeInvoice(invoice);
  const customer = await loadCustomer(ctx, invoice.customer).catch(() => null);
  const now = customer ? await customerNow(ctx, customer) : ctx.clock.now();
  const at = invoice.finalizeAt && invoice.finalizeAt > now ? invoice.finalizeAt : now;
  const computation = await computeTotalsFor(ctx, invoice, {
    creditBalance: await creditBalanceOf(ctx, invoice.customer),
    at,
    customer,
  });
  return serializeInvoice(withTotals(invoice, computation));
}

export async function getInvoice({ ctx, id }: { ctx: EngineContext; id: string }) {
  return viewOf(ctx, await loadInvoice(ctx, id));
}

/** `GET /v1/invoices?customer=&subscription=&status=`: newest first. */
export async function listInvoices({ ctx, query }: { ctx: EngineContext; query: unknown }) {
  const parsed = listInvoicesQuery.parse(query ?? {});
  if (parsed.customer) await loadCustomer(ctx, parsed.customer);
  const rows = await listInvoiceRecords(ctx, { ...parsed, limit: parsed.limit + 1 });
  const data = [];
  for (const invoice of rows.slice(0, parsed.limit)) data.push(await viewOf(ctx, invoice));
  return { data, hasMore: rows.length > parsed.limit };
}

/** `GET /v1/invoices/:id/pdf`. */
export async function getInvoicePdf({ ctx, id }: { ctx: EngineContext; id: string }): Promise<Buffer> {
  const invoice = await getInvoice({ ctx, id });
  const settings = await loadInvoiceSettings(ctx);
  return renderInvoicePdf({ invoice, seller: settings.seller });
}

/**
 * Finalizes a draft now (the finalize job at the end of the grace period, or `POST /v1/invoices/:id/finalize`). A
 * period invoice's usage is counted again first, from the rollups once the pipeline has caught up: events that
 * arrived late in the grace period count.
 */
export async function finalizeDraft(
  ctx: EngineContext,
  id: string,
  at: Date,
  { ifDraft = false }: { ifDraft?: boolean } = {},
): Promise<Invoice> {
  let invoice = await lockInvoice(ctx, id);
  if (invoice.status !== "draft") {
    // The finalize job finds a draft already finalized by hand: nothing to do.
    if (ifDraft) return invoice;
    throw new LumenError("conflict", `Invoice '${id}' is already ${invoice.status}`);
  }
  if (invoice.usagePlan) {
    const plan = await loadPlanVersion(ctx, invoice.usagePlan.plan, invoice.usagePlan.version);
    const usage = await usageLinesOf(ctx, {
      customerId: invoice.customer,
      plan,
      anchor: new Date(invoice.usagePlan.anchor ?? invoice.periodStart),
      periodStart: invoice.periodStart,
      periodEnd: invoice.periodEnd,
      ...(invoice.usagePlan.intervals ? { intervals: invoice.usagePlan.intervals } : {}),
      definition: invoice.usageDefinition,
    });
    invoice = await replaceDraftLines(ctx, invoice, ["usage"], usage.lines);
    invoice = { ...invoice, closingLedgers: usage.closingLedgers };
  }
  return finalizeInvoice(ctx, invoice, at);
}

/** The job at the end of a period invoice's grace period. A draft already finalized by hand is left as it is. */
export async function runFinalizeJob(ctx: EngineContext, job: Job): Promise<void> {
  await finalizeDraft(ctx, String(job.payload.invoice), job.runAt, { ifDraft: true });
}

export async function finalizeInvoiceNow({ ctx, id }: { ctx: EngineContext; id: string }) {
  return withTransaction(ctx, async (ctx) => {
    const invoice = await loadInvoice(ctx, id);
    const at = await customerNow(ctx, await loadCustomer(ctx, invoice.customer));
    return serializeInvoice(await finalizeDraft(ctx, id, at));
  });
}

/**
 * `POST /v1/invoices/:id/void`: an open (or uncollectible) invoice is cancelled; a draft too, without a number.
 * Credit balance it used goes back to the customer.
 */
export async function voidInvoice({ ctx, id }: { ctx: EngineContext; id: string }) {
  return changeStatus(ctx, id, "invoice.voided", async (invoice, at, tx) => {
    if (invoice.status === "paid" || invoice.status === "void") {
      throw new LumenError(
        "conflict",
        `Invoice '${id}' is ${invoice.status} and cannot be voided; issue a credit note`,
      );
    }
    const { rows: notes } = await db(tx).query(
      "SELECT 1 FROM credit_notes WHERE env = $1 AND invoice_id = $2 LIMIT 1",
      [tx.env, invoice.id],
    );
    if (notes.length > 0) {
      // The credit notes already gave part of it back: voiding too would give it twice.
      throw new LumenError(
        "conflict",
        `Invoice '${id}' has credit notes and cannot be voided; credit the rest instead`,
      );
    }
    if (invoice.status === "draft") {
      // The pending items the draft took go back to wait for the next invoice.
      await db(tx).query("UPDATE pending_invoice_items SET invoice_id = NULL WHERE env = $1 AND invoice_id = $2", [
        tx.env,
        invoice.id,
      ]);
    }
    if (invoice.creditApplied.gt(0)) {
      await appendCreditTransaction(tx, {
        customerId: invoice.customer,
        type: "invoice_voided",
        amount: invoice.creditApplied,
        currency: invoice.currency,
        description: `Invoice ${invoice.number ?? invoice.id} voided`,
        invoiceId: invoice.id,
        at,
      });
    }
    return { ...invoice, status: "void", voidedAt: at };
  });
}

/** `POST /v1/invoices/:id/mark-uncollectible`: an open invoice nobody expects to be paid. */
export async function markInvoiceUncollectible({ ctx, id }: { ctx: EngineContext; id: string }) {
  return changeStatus(ctx, id, "invoice.marked_uncollectible", async (invoice) => {
    if (invoice.status !== "open") {
      throw new LumenError(
        "conflict",
        `Only an open invoice can be marked uncollectible; '${id}' is ${invoice.status}`,
      );
    }
    return { ...invoice, status: "uncollectible" };
  });
}

/** `POST /v1/invoices/:id/pay {"outOfBand": true}`: paid outside Lumen (bank transfer, cheque). */
export async function payInvoice({ ctx, id, input }: { ctx: EngineContext; id: string; input: unknown }) {
  payInvoiceInput.parse(input ?? {});
  return changeStatus(
    ctx,
    id,
    "invoice.paid",
    async (invoice, at) => {
      if (invoice.status !== "open" && invoice.status !== "uncollectible") {
        throw new LumenError(
          "conflict",
          `Only an open or uncollectible invoice can be paid; '${id}' is ${invoice.status}`,
        );
      }
      return { ...invoice, status: "paid", amountPaid: invoice.amountDue, paidAt: at };
    },
    { outOfBand: true },
  );
}

async function changeStatus(
  ctx: EngineContext,
  id: string,
  historyType: string,
  change: (invoice: Invoice, at: Date, tx: EngineContext) => Promise<Invoice>,
  { outOfBand = false }: { outOfBand?: boolean } = {},
) {
  return withTransaction(ctx, async (ctx) => {
    const invoice = await lockInvoice(ctx, id);
    const at = await customerNow(ctx, await loadCustomer(ctx, invoice.customer).catch(() => ({ testClockId: null })));
    const after = await change(invoice, at, ctx);
    await writeInvoiceStatus(ctx, after, { outOfBand, at });
    if (
      invoice.status !== "draft" &&
      (after.status === "paid" || after.status === "void" || after.status === "uncollectible")
    ) {
      await endDunning(ctx, { invoice: after, outcome: after.status, at });
    }
    await recordHistory(ctx, {
      customerId: invoice.customer,
      objectType: "invoice",
      objectId: invoice.id,
      type: historyType,
      at,
      before: { status: invoice.status },
      after: { status: after.status },
    });
    return serializeInvoice(after);
  });
}
