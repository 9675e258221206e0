import { Decimal, invalid, LumenError, minorUnits } from "@lumen/core";
import { customerNow } from "../clocks/customer-time";
import { type EngineContext, withTransaction } from "../context";
import { type Customer, loadCustomer } from "../customers/customer-record";
import { updateCustomer } from "../customers/update-customer";
import { appendCreditTransaction, type CreditTransaction } from "./credit-balance";
import { type AdjustCreditBalanceInput, adjustCreditBalanceInput } from "./schemas";

/**
 * `POST /v1/customers/:id/credit-balance`: an adjustment of the customer's credit balance at the customer's current
 * time; a negative amount takes credit back, never below a zero balance.
 */
export async function adjustCreditBalance({
  ctx,
  customerId,
  input,
}: {
  ctx: EngineContext;
  customerId: string;
  input: AdjustCreditBalanceInput | unknown;
}): Promise<CreditTransaction> {
  const parsed = adjustCreditBalanceInput.parse(input);
  return withTransaction(ctx, async (ctx) => {
    const customer = await loadCustomer(ctx, customerId, { forUpdate: true });
    const currency = await fixCurrency(ctx, customer, parsed.currency);
    const amount = new Decimal(parsed.amount);
    if (amount.decimalPlaces() > minorUnits(currency)) {
      throw invalid("amount", `must have at most ${minorUnits(currency)} decimals in ${currency}`);
    }
    return appendCreditTransaction(ctx, {
      customerId: customer.id,
      type: "adjustment",
      amount,
      currency,
      description: parsed.description ?? null,
      at: await customerNow(ctx, customer),
    });
  });
}

/**
 * The customer's currency. One without a currency yet gets the one the request names, as Stripe's customer balance
 * does ("If the customer's currency is not set, it will be updated to this value"): a credit needs a currency, and
 * plans in another one are then refused, like after a first plan.
 */
async function fixCurrency(ctx: EngineContext, customer: Customer, requested: string | undefined): Promise<string> {
  if (customer.currency) {
    if (requested && requested !== customer.currency) {
      throw new LumenError(
        "conflict",
        `Customer '${customer.id}' pays in ${customer.currency}: its credit balance cannot be in ${requested}`,
      );
    }
    return customer.currency;
  }
  if (!requested) {
    throw new LumenError(
      "conflict",
      `Customer '${customer.id}' has no currency yet: its first plan fixes it. Attach a plan first, or give "currency" to fix it now`,
    );
  }
  await updateCustomer({ ctx, id: customer.id, input: { currency: requested } });
  return requested;
}
