import { Decimal, LumenError, newId } from "@lumen/core";
import { db, type EngineContext } from "../context";
import type { Invoice } from "../invoices/invoice-record";
import { type ProviderRefund, ProviderUnavailableError } from "./payment-provider";
import { activeProvider } from "./payment-settings";

/**
 * Gives a credit note's amount back through the provider that collected the invoice (`refund: "provider"`), in the
 * credit note's transaction: a refusal or no answer rolls the credit note back. The provider's idempotency key comes
 * from the request's Idempotency-Key (the SDK always sends one): a request retried after the answer was lost finds
 * the refund already made instead of making a second. Refunds come out of the invoice's succeeded payment.
 */
export async function refundThroughProvider(
  ctx: EngineContext,
  {
    creditNoteId,
    requestKey,
    invoice,
    amount,
    at,
  }: { creditNoteId: string; requestKey: string | undefined; invoice: Invoice; amount: Decimal; at: Date },
): Promise<void> {
  const provider = await activeProvider(ctx);
  if (!provider) {
    throw new LumenError(
      "conflict",
      'No payment provider collects this environment\'s invoices; use refund "credit_balance" or "none"',
    );
  }
  const { rows } = await db(ctx).query<{ id: string; provider_payment_id: string; amount: string; refunded: string }>(
    `SELECT p.id, p.provider_payment_id, p.amount,
            coalesce((SELECT sum(r.amount) FROM refunds r WHERE r.env = p.env AND r.payment_id = p.id
                       AND r.status <> 'failed'), 0)::text AS refunded
       FROM payments p WHERE p.env = $1 AND p.invoice_id = $2 AND p.status = 'succeeded' AND p.provider = $3
      ORDER BY p.attempt DESC LIMIT 1`,
    [ctx.env, invoice.id, provider.name],
  );
  const payment = rows[0];
  if (!payment) {
    throw new LumenError(
      "conflict",
      `Invoice '${invoice.id}' was not paid through ${provider.name}: nothing to refund`,
    );
  }
  const left = new Decimal(payment.amount).minus(payment.refunded);
  if (amount.gt(left)) {
    throw new LumenError("validation_error", "A refund cannot exceed what the payment has left", [
      { path: "amount", message: `at most ${left.toFixed()} ${invoice.currency} of the payment is left to refund` },
    ]);
  }
  const id = newId("re");
  let refund: ProviderRefund;
  try {
    refund = await provider.refund({
      paymentId: payment.provider_payment_id,
      amount,
      currency: invoice.currency,
      // Nothing of this one request in it: a retry with the same key must send the same parameters.
      metadata: { lumen_env: ctx.env, lumen_customer: invoice.customer, lumen_invoice: invoice.id },
      idempotencyKey: requestKey
        ? `lumen-${ctx.env}-refund-${invoice.id}-request-${requestKey}`
        : `lumen-${ctx.env}-refund-${creditNoteId}`,
    });
  } catch (error) {
    if (error instanceof ProviderUnavailableError) {
      throw new LumenError(
        "unavailable",
        `The payment provider did not answer; retry the credit note (${error.message})`,
      );
    }
    throw error;
  }
  if (refund.status === "failed") throw new LumenError("conflict", `${provider.name} refused the refund`);
  await db(ctx).query(
    `INSERT INTO refunds (env, id, credit_note_id, payment_id, amount, currency, status, provider_refund_id,
       created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)`,
    [ctx.env, id, creditNoteId, payment.id, amount.toString(), invoice.currency, refund.status, refund.id, at],
  );
}

/** What the provider later says of a refund Lumen made (a webhook): pending → succeeded | failed, once. */
export async function applyRefundOutcome(ctx: EngineContext, refund: ProviderRefund): Promise<void> {
  if (refund.status === "pending") return;
  await db(ctx).query(
    `UPDATE refunds SET status = $3, updated_at = $4
     WHERE env = $1 AND provider_refund_id = $2 AND status = 'pending'`,
    [ctx.env, refund.id, refund.status, ctx.clock.now()],
  );
}

/** The refund of a credit note, for its API view; null when it was not refunded through a provider. */
export async function refundOf(ctx: EngineContext, creditNoteId: string) {
  const { rows } = await db(ctx).query<{ id: string; status: string; provider_refund_id: string | null }>(
    "SELECT id, status, provider_refund_id FROM refunds WHERE env = $1 AND credit_note_id = $2",
    [ctx.env, creditNoteId],
  );
  const row = rows[0];
  return row ? { id: row.id, status: row.status, providerRefundId: row.provider_refund_id } : null;
}
