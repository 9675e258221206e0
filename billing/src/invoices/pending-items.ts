import { Decimal, newId } from "@lumen/core";
import { db, type EngineContext } from "../context";
import type { DraftLine } from "./invoice-record";

interface PendingRow {
  id: string;
  type: DraftLine["type"];
  description: string;
  feature: string | null;
  plan_id: string | null;
  quantity: string;
  unit_amount: string | null;
  amount: string;
  period_start: Date;
  period_end: Date;
}

/** Adds lines to the customer's next invoice of the subscription (`create_prorations`, seats removed). */
export async function addPendingItems(
  ctx: EngineContext,
  {
    customerId,
    subscriptionId,
    currency,
    lines,
  }: { customerId: string; subscriptionId: string | null; currency: string; lines: readonly DraftLine[] },
): Promise<void> {
  for (const line of lines) {
    await db(ctx).query(
      `INSERT INTO pending_invoice_items (env, id, customer_id, subscription_id, type, description, feature, plan_id,
         quantity, unit_amount, amount, currency, period_start, period_end, created_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15)`,
      [
        ctx.env,
        newId("ii"),
        customerId,
        subscriptionId,
        line.type,
        line.description,
        line.feature,
        line.plan,
        line.quantity,
        line.unitAmount?.toString() ?? null,
        line.amount.toString(),
        currency,
        line.periodStart,
        line.periodEnd,
        ctx.clock.now(),
      ],
    );
  }
}

/**
 * The pending items of a subscription not yet on an invoice, as lines, locked; `markInvoiced` records the invoice
 * that took them (in the same transaction, so they land on exactly one invoice).
 */
export async function claimPendingItems(
  ctx: EngineContext,
  { customerId, subscriptionId }: { customerId: string; subscriptionId: string | null },
): Promise<{ lines: DraftLine[]; markInvoiced: (invoiceId: string) => Promise<void> }> {
  const { rows } = await db(ctx).query<PendingRow>(
    `SELECT * FROM pending_invoice_items WHERE env = $1 AND customer_id = $2 AND invoice_id IS NULL
       AND subscription_id IS NOT DISTINCT FROM $3 ORDER BY created_at, id FOR UPDATE`,
    [ctx.env, customerId, subscriptionId],
  );
  return {
    lines: rows.map((row) => ({
      type: row.type,
      description: row.description,
      feature: row.feature,
      entity: null,
      plan: row.plan_id,
      quantity: Number(row.quantity),
      unitAmount: row.unit_amount === null ? null : new Decimal(row.unit_amount),
      amount: new Decimal(row.amount),
      periodStart: row.period_start,
      periodEnd: row.period_end,
    })),
    markInvoiced: async (invoiceId) => {
      if (rows.length === 0) return;
      await db(ctx).query("UPDATE pending_invoice_items SET invoice_id = $3 WHERE env = $1 AND id = ANY($2)", [
        ctx.env,
        rows.map((row) => row.id),
        invoiceId,
      ]);
    },
  };
}
