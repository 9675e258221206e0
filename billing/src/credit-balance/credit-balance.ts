import { Decimal, invalid, LumenError, minorUnits, newId, roundMoney, toMoneyString } from "@lumen/core";
import { db, type EngineContext, withTransaction } from "../context";

/**
 * The customer credit balance (PRODUCT §7) is a ledger: entries are appended, never edited (a trigger forbids it),
 * and the balance is their sum. A positive amount is money owed to the customer; applying it to an invoice is a
 * negative entry. Every entry of a customer is in one currency, and the balance never goes below zero.
 */
export type CreditTransactionType =
  | "adjustment"
  | "applied_to_invoice"
  | "credit_note"
  | "proration"
  | "invoice_voided";

export interface CreditTransaction {
  /** `cbt_…` */
  id: string;
  type: CreditTransactionType;
  /** Signed, in the ledger's currency with its minor-unit digits ("50.00", "-12.50"). */
  amount: string;
  description: string | null;
  invoice: string | null;
  creditNote: string | null;
  createdAt: Date;
}

export interface CreditTransactionRow {
  id: string;
  type: CreditTransactionType;
  /** numeric comes back from PostgreSQL as a string. */
  amount: string;
  currency: string;
  description: string | null;
  invoice_id: string | null;
  credit_note_id: string | null;
  created_at: Date;
}

export function toCreditTransaction(row: CreditTransactionRow): CreditTransaction {
  return {
    id: row.id,
    type: row.type,
    amount: toMoneyString(new Decimal(row.amount), row.currency),
    description: row.description,
    invoice: row.invoice_id,
    creditNote: row.credit_note_id,
    createdAt: row.created_at,
  };
}

/**
 * Serializes every change of the customer's balance until the transaction ends, then reads it: what the caller
 * decides from this balance (credit applied to an invoice, a debit) cannot be raced by another writer.
 */
export async function lockCreditBalance(ctx: EngineContext, customerId: string): Promise<Decimal> {
  // A transaction-scoped lock taken outside a transaction would be released at once, locking nothing.
  if (!ctx.tx) throw new Error("lockCreditBalance needs a transaction: call it inside withTransaction");
  await db(ctx).query("SELECT pg_advisory_xact_lock(hashtext('lumen.credit.' || $1 || '.' || $2))", [
    ctx.env,
    customerId,
  ]);
  return creditBalanceOf(ctx, customerId);
}

/** The customer's balance now, without a lock (for display; decide with lockCreditBalance). */
export async function creditBalanceOf(ctx: EngineContext, customerId: string): Promise<Decimal> {
  const { rows } = await db(ctx).query<{ balance: string }>(
    "SELECT COALESCE(sum(amount), 0)::text AS balance FROM credit_balance_transactions WHERE env = $1 AND customer_id = $2",
    [ctx.env, customerId],
  );
  return new Decimal(rows[0]?.balance ?? "0");
}

/** The currency of the customer's ledger: that of its first entry; null while it has none. */
export async function creditCurrencyOf(ctx: EngineContext, customerId: string): Promise<string | null> {
  const { rows } = await db(ctx).query<{ currency: string }>(
    "SELECT currency FROM credit_balance_transactions WHERE env = $1 AND customer_id = $2 ORDER BY seq LIMIT 1",
    [ctx.env, customerId],
  );
  return rows[0]?.currency ?? null;
}

export interface CreditTransactionInput {
  customerId: string;
  type: CreditTransactionType;
  /** Signed; already rounded to the currency's minor unit. */
  amount: Decimal;
  currency: string;
  description: string | null;
  invoiceId?: string | null;
  creditNoteId?: string | null;
  at: Date;
}

/**
 * Appends one entry to the customer's ledger, under the balance lock (taken here if the caller has not). Refuses an
 * amount with more digits than the currency's minor unit, a currency other than the ledger's, and an entry that would
 * take the balance below zero (conflict): the caller decides amounts from lockCreditBalance's answer.
 */
export async function appendCreditTransaction(
  ctx: EngineContext,
  input: CreditTransactionInput,
): Promise<CreditTransaction> {
  if (!roundMoney(input.amount, input.currency).eq(input.amount)) {
    throw invalid("amount", `must have at most ${minorUnits(input.currency)} decimals in ${input.currency}`);
  }
  return withTransaction(ctx, async (ctx) => {
    const balance = await lockCreditBalance(ctx, input.customerId);
    const currency = await creditCurrencyOf(ctx, input.customerId);
    if (currency !== null && currency !== input.currency) {
      throw new LumenError(
        "conflict",
        `The credit balance of customer '${input.customerId}' is in ${currency}, not ${input.currency}`,
      );
    }
    const after = balance.plus(input.amount);
    if (after.isNegative()) {
      throw new LumenError(
        "conflict",
        `The credit balance of customer '${input.customerId}' is ${toMoneyString(balance, input.currency)} ${input.currency}: ` +
          `${toMoneyString(input.amount, input.currency)} would take it below zero`,
      );
    }
    const { rows } = await db(ctx).query<CreditTransactionRow>(
      `INSERT INTO credit_balance_transactions
         (env, id, customer_id, type, amount, currency, description, invoice_id, credit_note_id, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`,
      [
        ctx.env,
        newId("cbt"),
        input.customerId,
        input.type,
        input.amount.toFixed(),
        input.currency,
        input.description,
        input.invoiceId ?? null,
        input.creditNoteId ?? null,
        input.at,
      ],
    );
    return toCreditTransaction(rows[0]!);
  });
}
