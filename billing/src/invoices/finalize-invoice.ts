import { computeInvoiceTotals, Decimal, type InvoiceTotals, toMoneyString } from "@lumen/core";
import { db, type EngineContext } from "../context";
import { type ActiveDiscount, loadActiveDiscounts, recordDiscountsUsed } from "../coupons/discounts";
import { appendCreditTransaction, lockCreditBalance } from "../credit-balance/credit-balance";
import { type Customer, loadCustomer, toCustomerDetails } from "../customers/customer-record";
import { enqueueOutbox } from "../definitions/enqueue-outbox";
import { recordHistory } from "../history/record-history";
import { scheduleCollection } from "../payments/collect-invoice";
import { computeInvoiceTax, type InvoiceTax } from "../tax/compute-invoice-tax";
import type { Invoice } from "./invoice-record";
import { writeFinalInvoice } from "./invoice-record";
import type { CustomerDetails, InvoiceDiscountView } from "./invoice-view";

/**
 * Invoices that discounts apply to: a subscription's first and period invoices, and a change's invoice for the whole
 * period it starts (its proration lines never take a discount, `computeInvoiceTotals`).
 */
const DISCOUNTED_REASONS = new Set(["subscription_create", "subscription_cycle", "subscription_update"]);

/**
 * The totals of an invoice in PRODUCT §7's order, as they would be if it were finalized at `at` (drafts show this):
 * lines → the customer's discounts → tax on what discounts left of each line → credit balance.
 */
export async function computeTotalsFor(
  ctx: EngineContext,
  invoice: Invoice,
  { creditBalance, at, customer }: { creditBalance: Decimal; at: Date; customer?: Customer | null },
): Promise<InvoiceComputation> {
  const active = DISCOUNTED_REASONS.has(invoice.billingReason)
    ? await loadActiveDiscounts(ctx, invoice.customer, { period: discountPeriodOf(invoice) })
    : [];
  // An amount off is money in the coupon's currency: it discounts only invoices in that currency.
  const discounts = active.filter((discount) => discount.currency === null || discount.currency === invoice.currency);
  const input = {
    lines: invoice.lines.map((line) => ({ id: line.id, type: line.type, amount: line.amount, plan: line.plan })),
    discounts: discounts.map((discount) => discount.totals),
    creditBalance,
    currency: invoice.currency,
  };
  const untaxed = computeInvoiceTotals(input);
  const net = new Map(
    untaxed.lines.map((line) => [line.id, amountOf(invoice, line.id).minus(line.discountAmount)] as const),
  );
  const buyer = customer === undefined ? await loadCustomer(ctx, invoice.customer).catch(() => null) : customer;
  const tax = await computeInvoiceTax({ ctx, invoice, net, customer: buyer, at });
  if (!tax) return { totals: untaxed, discounts, tax };
  const totals = computeInvoiceTotals({ ...input, taxes: tax.amounts, taxInclusive: tax.behavior === "inclusive" });
  return { totals, discounts, tax };
}

/** What `computeTotalsFor` found: the totals, the discounts that made them, and the tax (null: none computed). */
export interface InvoiceComputation {
  totals: InvoiceTotals;
  discounts: ActiveDiscount[];
  tax: InvoiceTax | null;
}

/** The invoice as those totals make it (a draft's preview, the upcoming invoice); amount due never below zero. */
export function withTotals(invoice: Invoice, { totals, tax }: Pick<InvoiceComputation, "totals" | "tax">): Invoice {
  const byLine = new Map(totals.lines.map((line) => [line.id, line]));
  return {
    ...invoice,
    lines: invoice.lines.map((line) => ({
      ...line,
      discountAmount: byLine.get(line.id)?.discountAmount ?? line.discountAmount,
      taxRate: tax?.percentages.get(line.id) ?? null,
      taxAmount: byLine.get(line.id)?.taxAmount ?? line.taxAmount,
    })),
    subtotal: totals.subtotal,
    discountTotal: totals.discountTotal,
    taxTotal: totals.taxTotal,
    total: totals.total,
    creditApplied: totals.creditApplied,
    amountDue: Decimal.max(0, totals.amountDue),
    taxNotes: tax?.notes ?? [],
    taxBehavior: tax?.behavior ?? "exclusive",
  };
}

function amountOf(invoice: Invoice, lineId: string): Decimal {
  return invoice.lines.find((line) => line.id === lineId)!.amount;
}

/**
 * Makes a draft final (PRODUCT §7): totals with discounts and the credit balance, a gapless number, the customer as it
 * is now, status `open` — or `paid` when nothing is due. A negative total (credits of a change outweigh its charges)
 * goes to the customer's credit balance. Runs in the caller's transaction; the invoice row is locked by the caller.
 */
export async function finalizeInvoice(ctx: EngineContext, draft: Invoice, at: Date): Promise<Invoice> {
  const creditBalance = await lockCreditBalance(ctx, draft.customer);
  const customer = await loadCustomer(ctx, draft.customer).catch(() => null);
  const computation = await computeTotalsFor(ctx, draft, { creditBalance, at, customer });
  const { totals, discounts } = computation;
  const customerDetails: CustomerDetails = customer ? toCustomerDetails(customer) : draft.customerDetails;
  const discountViews: InvoiceDiscountView[] = discounts
    .map((discount) => ({
      coupon: discount.coupon,
      name: discount.name,
      amount: toMoneyString(totals.discountAmounts.get(discount.totals.id) ?? new Decimal(0), draft.currency),
    }))
    .filter((view) => new Decimal(view.amount).gt(0));
  const credit = totals.total.isNegative() ? totals.total.negated() : new Decimal(0);
  const computed = withTotals(draft, computation);
  const paid = computed.amountDue.isZero();
  const final: Invoice = {
    ...computed,
    amountPaid: new Decimal(0),
    customerDetails,
    discounts: discountViews,
    status: paid ? "paid" : "open",
    finalizedAt: at,
    paidAt: paid ? at : null,
    finalizeAt: null,
    number: null,
  };
  if (totals.creditApplied.gt(0)) {
    await appendCreditTransaction(ctx, {
      customerId: draft.customer,
      type: "applied_to_invoice",
      amount: totals.creditApplied.negated(),
      currency: draft.currency,
      description: `Applied to invoice ${draft.id}`,
      invoiceId: draft.id,
      at,
    });
  }
  if (credit.gt(0)) {
    await appendCreditTransaction(ctx, {
      customerId: draft.customer,
      type: "proration",
      amount: credit,
      currency: draft.currency,
      description: `Credit from invoice ${draft.id}`,
      invoiceId: draft.id,
      at,
    });
  }
  // A discount is used by the periods it discounted: one that found nothing to apply to is not used up.
  const used = discounts.filter((discount) => totals.discountAmounts.get(discount.id)?.gt(0));
  if (used.length > 0) {
    await recordDiscountsUsed(
      ctx,
      used.map((discount) => discount.id),
      at,
      discountPeriodOf(draft),
    );
  }
  // The definition carries the newest invoiced period to sidecars: later events before its end are refused.
  if (draft.billingReason === "subscription_cycle") await enqueueOutbox(ctx, "customer", draft.customer);
  // The number last: its counter row stays locked until the commit, and every finalization of the environment waits
  // for it, so the fewer statements after it the better.
  final.number = await nextDocumentNumber(ctx, "invoice");
  await writeFinalInvoice(ctx, final);
  await scheduleCollection(ctx, { invoice: final, customer, at });
  await recordHistory(ctx, {
    customerId: draft.customer,
    objectType: "invoice",
    objectId: draft.id,
    type: "invoice.finalized",
    at,
    before: null,
    after: {
      id: final.id,
      number: final.number,
      status: final.status,
      total: toMoneyString(final.total, final.currency),
    },
  });
  return final;
}

/** The billing period an invoice opens, as discounts count them: a close's boundary, else the invoice's start. */
function discountPeriodOf(invoice: Invoice): string {
  return (invoice.billingReason === "subscription_cycle" ? invoice.periodEnd : invoice.periodStart).toISOString();
}

/**
 * The next number of its kind in the environment, gapless: the counter row stays locked until the transaction ends,
 * and a rollback gives the number back. Taken last, so that the lock is held as briefly as possible.
 */
export async function nextDocumentNumber(ctx: EngineContext, kind: "invoice" | "credit_note"): Promise<string> {
  const { rows } = await db(ctx).query<{ last: number }>(
    `INSERT INTO document_numbers (env, kind, last) VALUES ($1, $2, 1)
     ON CONFLICT (env, kind) DO UPDATE SET last = document_numbers.last + 1 RETURNING last`,
    [ctx.env, kind],
  );
  const prefix = kind === "invoice" ? "INV" : "CN";
  return `${prefix}-${String(rows[0]!.last).padStart(6, "0")}`;
}
