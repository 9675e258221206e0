import {
  type CustomerDefinition,
  Decimal,
  type InvoiceLineType,
  type Ledger,
  newId,
  notFound,
  toMoneyString,
} from "@lumen/core";
import { db, type EngineContext } from "../context";
import type {
  BillingReason,
  CustomerDetails,
  InvoiceDiscountView,
  InvoiceLineView,
  InvoiceStatus,
  InvoiceView,
  TaxBehavior,
} from "./invoice-view";

/** What priced a period invoice's usage, so that its finalization counts it again the same way. */
export interface UsagePlan {
  plan: string;
  version: number;
  /** The subscription's billing anchor (ISO): where items' own billing intervals start. */
  anchor?: string;
  /** A sub-period close bills only the items of these billing intervals. */
  intervals?: ("week" | "month" | "quarter" | "year")[];
}

/** A line as billing computes it: exact unit price, amount already rounded (`roundMoney`). */
export interface DraftLine {
  type: InvoiceLineType;
  description: string;
  feature: string | null;
  entity: string | null;
  plan: string | null;
  quantity: number;
  unitAmount: Decimal | null;
  amount: Decimal;
  periodStart: Date;
  periodEnd: Date;
}

export interface InvoiceLine extends DraftLine {
  id: string;
  discountAmount: Decimal;
  taxRate: Decimal | null;
  taxAmount: Decimal;
}

export interface Invoice {
  id: string;
  number: string | null;
  customer: string;
  subscription: string | null;
  billingReason: BillingReason;
  status: InvoiceStatus;
  currency: string;
  periodStart: Date;
  periodEnd: Date;
  lines: InvoiceLine[];
  subtotal: Decimal;
  discountTotal: Decimal;
  taxTotal: Decimal;
  total: Decimal;
  creditApplied: Decimal;
  amountDue: Decimal;
  amountPaid: Decimal;
  taxNotes: string[];
  /** Whether the amounts include their tax (`pricesIncludeTax` at finalization). */
  taxBehavior: TaxBehavior;
  discounts: InvoiceDiscountView[];
  customerDetails: CustomerDetails;
  closingLedgers: Ledger[] | null;
  usagePlan: UsagePlan | null;
  /** The customer's definition when the period was closed: the finalization recounts against it. */
  usageDefinition: CustomerDefinition | null;
  closeKey: string | null;
  createdAt: Date;
  finalizeAt: Date | null;
  finalizedAt: Date | null;
  paidAt: Date | null;
  voidedAt: Date | null;
  version: number;
}

interface InvoiceRow {
  id: string;
  number: string | null;
  customer_id: string;
  subscription_id: string | null;
  billing_reason: BillingReason;
  status: InvoiceStatus;
  currency: string;
  period_start: Date;
  period_end: Date;
  subtotal: string;
  discount_total: string;
  tax_total: string;
  total: string;
  credit_applied: string;
  amount_due: string;
  amount_paid: string;
  tax_notes: string[];
  tax_behavior: TaxBehavior;
  customer_details: CustomerDetails;
  discounts: InvoiceDiscountView[];
  closing_ledgers: Ledger[] | null;
  usage_plan: UsagePlan | null;
  usage_definition: CustomerDefinition | null;
  close_key: string | null;
  created_at: Date;
  finalize_at: Date | null;
  finalized_at: Date | null;
  paid_at: Date | null;
  voided_at: Date | null;
  version: number;
}

interface LineRow {
  id: string;
  invoice_id: string;
  type: InvoiceLineType;
  description: string;
  feature: string | null;
  entity: string | null;
  plan_id: string | null;
  quantity: string;
  unit_amount: string | null;
  amount: string;
  discount_amount: string;
  tax_rate: string | null;
  tax_amount: string;
  period_start: Date;
  period_end: Date;
}

function toLine(row: LineRow): InvoiceLine {
  return {
    id: row.id,
    type: row.type,
    description: row.description,
    feature: row.feature,
    entity: row.entity,
    plan: row.plan_id,
    quantity: Number(row.quantity),
    unitAmount: row.unit_amount === null ? null : new Decimal(row.unit_amount),
    amount: new Decimal(row.amount),
    discountAmount: new Decimal(row.discount_amount),
    taxRate: row.tax_rate === null ? null : new Decimal(row.tax_rate),
    taxAmount: new Decimal(row.tax_amount),
    periodStart: row.period_start,
    periodEnd: row.period_end,
  };
}

function toInvoice(row: InvoiceRow, lines: InvoiceLine[]): Invoice {
  return {
    id: row.id,
    number: row.number,
    customer: row.customer_id,
    subscription: row.subscription_id,
    billingReason: row.billing_reason,
    status: row.status,
    currency: row.currency,
    periodStart: row.period_start,
    periodEnd: row.period_end,
    lines,
    subtotal: new Decimal(row.subtotal),
    discountTotal: new Decimal(row.discount_total),
    taxTotal: new Decimal(row.tax_total),
    total: new Decimal(row.total),
    creditApplied: new Decimal(row.credit_applied),
    amountDue: new Decimal(row.amount_due),
    amountPaid: new Decimal(row.amount_paid),
    taxNotes: row.tax_notes,
    taxBehavior: row.tax_behavior,
    discounts: row.discounts,
    customerDetails: row.customer_details,
    closingLedgers: row.closing_ledgers,
    usagePlan: row.usage_plan,
    usageDefinition: row.usage_definition,
    closeKey: row.close_key,
    createdAt: row.created_at,
    finalizeAt: row.finalize_at,
    finalizedAt: row.finalized_at,
    paidAt: row.paid_at,
    voidedAt: row.voided_at,
    version: row.version,
  };
}

/** A new draft invoice with its lines (ids `inv_…`, `il_…`); totals are written when it is finalized. */
export function newInvoice(input: {
  customer: string;
  subscription: string | null;
  billingReason: BillingReason;
  currency: string;
  periodStart: Date;
  periodEnd: Date;
  lines: readonly DraftLine[];
  closeKey: string | null;
  closingLedgers: Ledger[] | null;
  usagePlan?: UsagePlan | null;
  usageDefinition?: CustomerDefinition | null;
  customerDetails: CustomerDetails;
  createdAt: Date;
  finalizeAt: Date | null;
}): Invoice {
  const zero = new Decimal(0);
  return {
    id: newId("inv"),
    number: null,
    customer: input.customer,
    subscription: input.subscription,
    billingReason: input.billingReason,
    status: "draft",
    currency: input.currency,
    periodStart: input.periodStart,
    periodEnd: input.periodEnd,
    lines: input.lines.map(toInvoiceLine),
    subtotal: zero,
    discountTotal: zero,
    taxTotal: zero,
    total: zero,
    creditApplied: zero,
    amountDue: zero,
    amountPaid: zero,
    taxNotes: [],
    taxBehavior: "exclusive",
    discounts: [],
    customerDetails: input.customerDetails,
    closingLedgers: input.closingLedgers,
    usagePlan: input.usagePlan ?? null,
    usageDefinition: input.usageDefinition ?? null,
    closeKey: input.closeKey,
    createdAt: input.createdAt,
    finalizeAt: input.finalizeAt,
    finalizedAt: null,
    paidAt: null,
    voidedAt: null,
    version: 1,
  };
}

export function toInvoiceLine(line: DraftLine): InvoiceLine {
  return { ...line, id: newId("il"), discountAmount: new Decimal(0), taxRate: null, taxAmount: new Decimal(0) };
}

/**
 * Inserts a draft. A period invoice carries its close key: a second close of the same (subscription, period) finds
 * the key taken and inserts nothing (answers false), which is what makes the close exactly once.
 */
export async function insertInvoice(ctx: EngineContext, invoice: Invoice): Promise<boolean> {
  const { rowCount } = await db(ctx).query(
    `INSERT INTO invoices (env, id, customer_id, subscription_id, billing_reason, status, currency, period_start,
       period_end, customer_details, closing_ledgers, close_key, created_at, finalize_at, usage_plan, usage_definition)
     VALUES ($1,$2,$3,$4,$5,'draft',$6,$7,$8,$9,$10,$11,$12,$13,$14,$15) ON CONFLICT (env, close_key) DO NOTHING`,
    [
      ctx.env,
      invoice.id,
      invoice.customer,
      invoice.subscription,
      invoice.billingReason,
      invoice.currency,
      invoice.periodStart,
      invoice.periodEnd,
      JSON.stringify(invoice.customerDetails),
      invoice.closingLedgers === null ? null : JSON.stringify(invoice.closingLedgers),
      invoice.closeKey,
      invoice.createdAt,
      invoice.finalizeAt,
      invoice.usagePlan === null ? null : JSON.stringify(invoice.usagePlan),
      invoice.usageDefinition === null ? null : JSON.stringify(invoice.usageDefinition),
    ],
  );
  if (rowCount !== 1) return false;
  await insertLines(ctx, invoice.id, invoice.lines, 0);
  return true;
}

async function insertLines(ctx: EngineContext, invoiceId: string, lines: readonly InvoiceLine[], from: number) {
  if (lines.length === 0) return;
  const values: unknown[] = [];
  const tuples = lines.map((line, index) => {
    const base = values.length;
    values.push(
      ctx.env,
      invoiceId,
      line.id,
      from + index,
      line.type,
      line.description,
      line.feature,
      line.entity,
      line.plan,
      line.quantity,
      line.unitAmount?.toString() ?? null,
      line.amount.toString(),
      line.periodStart,
      line.periodEnd,
    );
    return `(${Array.from({ length: 14 }, (_, i) => `$${base + i + 1}`).join(",")})`;
  });
  await db(ctx).query(
    `INSERT INTO invoice_lines (env, invoice_id, id, position, type, description, feature, entity, plan_id, quantity,
       unit_amount, amount, period_start, period_end) VALUES ${tuples.join(",")}`,
    values,
  );
}

/**
 * Replaces a draft's lines of the given types (usage lines counted again at finalization, late events included); the
 * new lines come first, as a close puts them, the others keep their order and ids.
 */
export async function replaceDraftLines(
  ctx: EngineContext,
  invoice: Invoice,
  types: readonly InvoiceLineType[],
  lines: readonly DraftLine[],
): Promise<Invoice> {
  // Nothing to take out and nothing new (a period without usage): the lines stay as they are, rows untouched.
  if (lines.length === 0 && !invoice.lines.some((line) => types.includes(line.type))) return invoice;
  await db(ctx).query("DELETE FROM invoice_lines WHERE env = $1 AND invoice_id = $2", [ctx.env, invoice.id]);
  const ordered = [...lines.map(toInvoiceLine), ...invoice.lines.filter((line) => !types.includes(line.type))];
  await insertLines(ctx, invoice.id, ordered, 0);
  return { ...invoice, lines: ordered };
}

/** Writes a draft's totals, per-line discounts and tax, and makes it final: status, number, times. */
export async function writeFinalInvoice(ctx: EngineContext, invoice: Invoice): Promise<void> {
  if (invoice.lines.length > 0) {
    // Every line in one statement: a period invoice of many seats has many lines.
    await db(ctx).query(
      `UPDATE invoice_lines l SET discount_amount = v.discount_amount, tax_rate = v.tax_rate, tax_amount = v.tax_amount
       FROM unnest($2::text[], $3::numeric[], $4::numeric[], $5::numeric[]) AS v(id, discount_amount, tax_rate, tax_amount)
       WHERE l.env = $1 AND l.id = v.id`,
      [
        ctx.env,
        invoice.lines.map((line) => line.id),
        invoice.lines.map((line) => line.discountAmount.toString()),
        invoice.lines.map((line) => line.taxRate?.toString() ?? null),
        invoice.lines.map((line) => line.taxAmount.toString()),
      ],
    );
  }
  const { rowCount } = await db(ctx).query(
    `UPDATE invoices SET status = $3, number = $4, subtotal = $5, discount_total = $6, tax_total = $7, total = $8,
       credit_applied = $9, amount_due = $10, amount_paid = $11, tax_notes = $12, customer_details = $13,
       discounts = $14, closing_ledgers = $15, finalized_at = $16, paid_at = $17, tax_behavior = $18, finalize_at = NULL,
       version = version + 1
     WHERE env = $1 AND id = $2 AND status = 'draft'`,
    [
      ctx.env,
      invoice.id,
      invoice.status,
      invoice.number,
      invoice.subtotal.toString(),
      invoice.discountTotal.toString(),
      invoice.taxTotal.toString(),
      invoice.total.toString(),
      invoice.creditApplied.toString(),
      invoice.amountDue.toString(),
      invoice.amountPaid.toString(),
      JSON.stringify(invoice.taxNotes),
      JSON.stringify(invoice.customerDetails),
      JSON.stringify(invoice.discounts),
      invoice.closingLedgers === null ? null : JSON.stringify(invoice.closingLedgers),
      invoice.finalizedAt,
      invoice.paidAt,
      invoice.taxBehavior,
    ],
  );
  if (rowCount !== 1) throw new Error(`invoice ${invoice.id} is no longer a draft`);
}

/** Moves a final invoice's status (paid, void, uncollectible); the trigger refuses anything else. */
export async function writeInvoiceStatus(
  ctx: EngineContext,
  invoice: Pick<Invoice, "id" | "status" | "amountPaid" | "paidAt" | "voidedAt">,
  { outOfBand = false, at }: { outOfBand?: boolean; at: Date },
): Promise<void> {
  await db(ctx).query(
    `UPDATE invoices SET status = $3, amount_paid = $4, paid_at = $5, voided_at = $6,
       paid_out_of_band = paid_out_of_band OR $7,
       marked_uncollectible_at = CASE WHEN $3 = 'uncollectible' THEN $8 ELSE marked_uncollectible_at END,
       version = version + 1
     WHERE env = $1 AND id = $2`,
    [
      ctx.env,
      invoice.id,
      invoice.status,
      invoice.amountPaid.toString(),
      invoice.paidAt,
      invoice.voidedAt,
      outOfBand,
      at,
    ],
  );
}

export async function loadInvoice(
  ctx: EngineContext,
  id: string,
  { forUpdate = false }: { forUpdate?: boolean } = {},
): Promise<Invoice> {
  const { rows } = await db(ctx).query<InvoiceRow>(
    `SELECT * FROM invoices WHERE env = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`,
    [ctx.env, id],
  );
  const row = rows[0];
  if (!row) throw notFound("invoice", id);
  return toInvoice(row, await loadLines(ctx, [id]).then((lines) => lines.get(id) ?? []));
}

/**
 * Locks an invoice for a change in the documented order — its customer's row first, then the invoice — the order
 * attach, seats and renewals take, so that a finalization never deadlocks with a change of the same customer.
 */
export async function lockInvoice(ctx: EngineContext, id: string): Promise<Invoice> {
  const { rows } = await db(ctx).query<{ customer_id: string }>(
    "SELECT customer_id FROM invoices WHERE env = $1 AND id = $2",
    [ctx.env, id],
  );
  if (!rows[0]) throw notFound("invoice", id);
  await db(ctx).query("SELECT 1 FROM customers WHERE env = $1 AND id = $2 FOR UPDATE", [ctx.env, rows[0].customer_id]);
  return loadInvoice(ctx, id, { forUpdate: true });
}

/** Whether the subscription already has an invoice that counts (not void): its one-time items are billed then. */
export async function hasInvoices(ctx: EngineContext, subscriptionId: string): Promise<boolean> {
  const { rows } = await db(ctx).query(
    "SELECT 1 FROM invoices WHERE env = $1 AND subscription_id = $2 AND status <> 'void' LIMIT 1",
    [ctx.env, subscriptionId],
  );
  return rows.length > 0;
}

async function loadLines(ctx: EngineContext, ids: readonly string[]): Promise<Map<string, InvoiceLine[]>> {
  const { rows } = await db(ctx).query<LineRow>(
    "SELECT * FROM invoice_lines WHERE env = $1 AND invoice_id = ANY($2) ORDER BY invoice_id, position",
    [ctx.env, ids],
  );
  const lines = new Map<string, InvoiceLine[]>();
  for (const row of rows) {
    const list = lines.get(row.invoice_id) ?? [];
    list.push(toLine(row));
    lines.set(row.invoice_id, list);
  }
  return lines;
}

/** A page of invoices, newest first (the cursor is an invoice id); optionally one customer's or one status. */
export async function listInvoiceRecords(
  ctx: EngineContext,
  {
    customer,
    subscription,
    status,
    limit,
    startingAfter,
  }: { customer?: string; subscription?: string; status?: InvoiceStatus; limit: number; startingAfter?: string },
): Promise<Invoice[]> {
  const { rows } = await db(ctx).query<InvoiceRow>(
    `SELECT * FROM invoices i WHERE env = $1 AND ($2::text IS NULL OR customer_id = $2)
       AND ($3::text IS NULL OR subscription_id = $3) AND ($4::text IS NULL OR status = $4)
       AND ($5::text IS NULL OR (created_at, id) < (SELECT created_at, id FROM invoices WHERE env = $1 AND id = $5))
     ORDER BY created_at DESC, id DESC LIMIT $6`,
    [ctx.env, customer ?? null, subscription ?? null, status ?? null, startingAfter ?? null, limit],
  );
  const lines = await loadLines(
    ctx,
    rows.map((row) => row.id),
  );
  return rows.map((row) => toInvoice(row, lines.get(row.id) ?? []));
}

/** The API shape of PRODUCT §7. */
export function serializeInvoice(invoice: Invoice): InvoiceView {
  const money = (amount: Decimal) => toMoneyString(amount, invoice.currency);
  return {
    id: invoice.id,
    number: invoice.number,
    customer: invoice.customer,
    subscription: invoice.subscription,
    billingReason: invoice.billingReason,
    status: invoice.status,
    currency: invoice.currency,
    periodStart: invoice.periodStart.toISOString(),
    periodEnd: invoice.periodEnd.toISOString(),
    lines: invoice.lines.map(
      (line): InvoiceLineView => ({
        id: line.id,
        type: line.type,
        description: line.description,
        feature: line.feature,
        entity: line.entity,
        plan: line.plan,
        quantity: line.quantity,
        unitAmount: line.unitAmount?.toString() ?? null,
        amount: money(line.amount),
        discountAmount: money(line.discountAmount),
        periodStart: line.periodStart.toISOString(),
        periodEnd: line.periodEnd.toISOString(),
        taxRate: line.taxRate?.toString() ?? null,
        taxAmount: money(line.taxAmount),
      }),
    ),
    subtotal: money(invoice.subtotal),
    discountTotal: money(invoice.discountTotal),
    taxTotal: money(invoice.taxTotal),
    total: money(invoice.total),
    totalExcludingTax: money(invoice.total.minus(invoice.taxTotal)),
    creditApplied: money(invoice.creditApplied),
    amountDue: money(invoice.amountDue),
    amountPaid: money(invoice.amountPaid),
    taxNotes: invoice.taxNotes,
    taxBehavior: invoice.taxBehavior,
    discounts: invoice.discounts,
    customerDetails: invoice.customerDetails,
    createdAt: invoice.createdAt.toISOString(),
    finalizesAt: invoice.status === "draft" ? (invoice.finalizeAt?.toISOString() ?? null) : null,
    finalizedAt: invoice.finalizedAt?.toISOString() ?? null,
    paidAt: invoice.paidAt?.toISOString() ?? null,
    voidedAt: invoice.voidedAt?.toISOString() ?? null,
  };
}
