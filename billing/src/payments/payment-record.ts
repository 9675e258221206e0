import { Decimal, newId, toMoneyString } from "@lumen/core";
import { db, type EngineContext } from "../context";
import type { PaymentStatus } from "./payment-provider";

/** One attempt to collect an invoice through the provider. */
export interface Payment {
  id: string;
  invoiceId: string;
  customerId: string;
  provider: string;
  attempt: number;
  amount: Decimal;
  currency: string;
  /** `pending`: asked (or about to be), no answer recorded yet. */
  status: "pending" | PaymentStatus;
  providerPaymentId: string | null;
  idempotencyKey: string;
  failureCode: string | null;
  failureMessage: string | null;
  createdAt: Date;
  updatedAt: Date;
}

interface PaymentRow {
  id: string;
  invoice_id: string;
  customer_id: string;
  provider: string;
  attempt: number;
  amount: string;
  currency: string;
  status: Payment["status"];
  provider_payment_id: string | null;
  idempotency_key: string;
  failure_code: string | null;
  failure_message: string | null;
  created_at: Date;
  updated_at: Date;
}

function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    invoiceId: row.invoice_id,
    customerId: row.customer_id,
    provider: row.provider,
    attempt: row.attempt,
    amount: new Decimal(row.amount),
    currency: row.currency,
    status: row.status,
    providerPaymentId: row.provider_payment_id,
    idempotencyKey: row.idempotency_key,
    failureCode: row.failure_code,
    failureMessage: row.failure_message,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The API shape: `GET /v1/invoices/:id/payments`. */
export function serializePayment(payment: Payment) {
  return {
    id: payment.id,
    invoice: payment.invoiceId,
    customer: payment.customerId,
    provider: payment.provider,
    attempt: payment.attempt,
    amount: toMoneyString(payment.amount, payment.currency),
    currency: payment.currency,
    status: payment.status,
    providerPaymentId: payment.providerPaymentId,
    failureCode: payment.failureCode,
    failureMessage: payment.failureMessage,
    createdAt: payment.createdAt.toISOString(),
    updatedAt: payment.updatedAt.toISOString(),
  };
}

/**
 * A new attempt, written (and committed by the caller) before the provider is asked. Its idempotency key is the
 * invoice and the attempt number: whatever happens after, asking again with it can never charge twice.
 */
export async function insertPayment(
  ctx: EngineContext,
  input: Pick<Payment, "invoiceId" | "customerId" | "provider" | "attempt" | "amount" | "currency"> & { at: Date },
): Promise<Payment> {
  const { rows } = await db(ctx).query<PaymentRow>(
    `INSERT INTO payments (env, id, invoice_id, customer_id, provider, attempt, amount, currency, status,
       idempotency_key, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', $9, $10, $10) RETURNING *`,
    [
      ctx.env,
      newId("pay"),
      input.invoiceId,
      input.customerId,
      input.provider,
      input.attempt,
      input.amount.toString(),
      input.currency,
      `lumen-${ctx.env}-invoice-${input.invoiceId}-attempt-${input.attempt}`,
      input.at,
    ],
  );
  return toPayment(rows[0]!);
}

export async function loadPayment(
  ctx: EngineContext,
  id: string,
  { forUpdate = false }: { forUpdate?: boolean } = {},
): Promise<Payment | null> {
  const { rows } = await db(ctx).query<PaymentRow>(
    `SELECT * FROM payments WHERE env = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`,
    [ctx.env, id],
  );
  return rows[0] ? toPayment(rows[0]) : null;
}

/** An invoice's attempts, first to last. */
export async function listInvoicePayments(ctx: EngineContext, invoiceId: string): Promise<Payment[]> {
  const { rows } = await db(ctx).query<PaymentRow>(
    "SELECT * FROM payments WHERE env = $1 AND invoice_id = $2 ORDER BY attempt",
    [ctx.env, invoiceId],
  );
  return rows.map(toPayment);
}

export async function writePaymentOutcome(
  ctx: EngineContext,
  payment: Pick<Payment, "id" | "status" | "providerPaymentId" | "failureCode" | "failureMessage">,
  at: Date,
): Promise<void> {
  await db(ctx).query(
    `UPDATE payments SET status = $3, provider_payment_id = coalesce($4, provider_payment_id), failure_code = $5,
       failure_message = $6, updated_at = $7
     WHERE env = $1 AND id = $2`,
    [ctx.env, payment.id, payment.status, payment.providerPaymentId, payment.failureCode, payment.failureMessage, at],
  );
}
