import { currencyCode, Decimal, decimalString } from "@lumen/core";
import { z } from "zod";

/** `POST /v1/customers/:id/credit-balance` (PRODUCT §7). */
export const adjustCreditBalanceInput = z.strictObject({
  /** Major units, signed: positive gives the customer credit, negative takes it back (never below zero). */
  amount: decimalString.refine((value) => !new Decimal(value).isZero(), { error: "must not be zero" }),
  description: z.string().max(500).nullable().optional(),
  /** Only for a customer without a currency yet, which it then fixes; otherwise it must be the customer's. */
  currency: currencyCode.optional(),
});
export type AdjustCreditBalanceInput = z.input<typeof adjustCreditBalanceInput>;
