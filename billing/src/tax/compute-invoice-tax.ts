import { type Decimal, roundMoney } from "@lumen/core";
import type { EngineContext } from "../context";
import type { Customer } from "../customers/customer-record";
import type { Invoice } from "../invoices/invoice-record";
import type { TaxBehavior } from "../invoices/invoice-view";
import { builtinTaxProvider, type TaxRequest } from "./tax-provider";
import { loadTaxSettings } from "./tax-settings";

/** An invoice's tax: per line its rate and amount (rounded), the notes for the document, and the behaviour. */
export interface InvoiceTax {
  percentages: Map<string, Decimal>;
  amounts: Map<string, Decimal>;
  notes: string[];
  behavior: TaxBehavior;
}

/**
 * The tax of an invoice whose lines come to `net` after discounts (PRODUCT §8, "lines → discounts → tax"), as of
 * `at`, by the process's tax provider (the built-in rules unless one was given). null when the environment computes
 * no tax (`mode: "none"`). The customer is the live one, or the details frozen on the invoice once it is deleted.
 */
export async function computeInvoiceTax({
  ctx,
  invoice,
  net,
  customer,
  at,
}: {
  ctx: EngineContext;
  invoice: Invoice;
  net: ReadonlyMap<string, Decimal>;
  customer: Customer | null;
  at: Date;
}): Promise<InvoiceTax | null> {
  const settings = await loadTaxSettings(ctx);
  if (settings.mode === "none" || settings.origin === null) return null;
  const provider = ctx.tax?.provider ?? builtinTaxProvider;
  const request: TaxRequest = {
    currency: invoice.currency,
    at,
    pricesIncludeTax: settings.pricesIncludeTax,
    seller: { country: settings.origin.country, euOss: settings.euOss },
    customer: customer
      ? { id: customer.id, address: customer.address, taxIds: customer.taxIds, taxExempt: customer.taxExempt }
      : {
          id: invoice.customer,
          address: invoice.customerDetails.address,
          taxIds: invoice.customerDetails.taxIds,
          taxExempt: invoice.customerDetails.taxExempt ?? "none",
        },
    lines: invoice.lines.map((line) => ({
      id: line.id,
      type: line.type,
      description: line.description,
      amount: net.get(line.id) ?? line.amount,
    })),
  };
  const calculation = await provider.calculate(ctx, request);
  const answered = new Map(calculation.lines.map((line) => [line.id, line]));
  const missing = invoice.lines.find((line) => !answered.has(line.id));
  if (missing || answered.size !== invoice.lines.length || calculation.lines.length !== invoice.lines.length) {
    throw new Error(`tax provider ${provider.name} did not answer exactly the invoice's lines (${invoice.id})`);
  }
  if (calculation.lines.some((line) => line.percentage.lt(0) || line.percentage.gt(100))) {
    throw new Error(`tax provider ${provider.name} answered a percentage outside 0–100 (${invoice.id})`);
  }
  return {
    percentages: new Map(calculation.lines.map((line) => [line.id, line.percentage])),
    amounts: new Map(calculation.lines.map((line) => [line.id, roundMoney(line.amount, invoice.currency)])),
    notes: calculation.notes,
    behavior: settings.pricesIncludeTax ? "inclusive" : "exclusive",
  };
}
