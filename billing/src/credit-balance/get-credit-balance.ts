import { Decimal, toMoneyString } from "@lumen/core";
import { db, type EngineContext } from "../context";
import { loadCustomer } from "../customers/customer-record";
import { type CreditTransaction, type CreditTransactionRow, toCreditTransaction } from "./credit-balance";

/** Transactions shown with the balance; older ones are still summed. */
const TRANSACTIONS_SHOWN = 100;

export interface CreditBalanceView {
  customer: string;
  /** Owed to the customer, with the currency's minor-unit digits ("50.00"); "0" without a currency. */
  balance: string;
  currency: string | null;
  /** Newest first, the last 100. */
  transactions: CreditTransaction[];
}

/** `GET /v1/customers/:id/credit-balance`: the balance (the sum of every entry) and the latest entries. */
export async function getCreditBalance({
  ctx,
  customerId,
}: {
  ctx: EngineContext;
  customerId: string;
}): Promise<CreditBalanceView> {
  const customer = await loadCustomer(ctx, customerId);
  // One statement, one snapshot: the balance is the sum of every entry, shown or not (window before LIMIT).
  const { rows } = await db(ctx).query<CreditTransactionRow & { balance: string; ledger_currency: string }>(
    `SELECT *, (sum(amount) OVER ())::text AS balance, first_value(currency) OVER (ORDER BY seq) AS ledger_currency
     FROM credit_balance_transactions WHERE env = $1 AND customer_id = $2 ORDER BY seq DESC LIMIT $3`,
    [ctx.env, customer.id, TRANSACTIONS_SHOWN],
  );
  const first = rows[0];
  const balance = new Decimal(first?.balance ?? "0");
  const currency = first?.ledger_currency ?? customer.currency;
  return {
    customer: customer.id,
    balance: currency ? toMoneyString(balance, currency) : balance.toFixed(),
    currency,
    transactions: rows.map(toCreditTransaction),
  };
}
