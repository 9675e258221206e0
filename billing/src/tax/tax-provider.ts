import { checkEuVatId, type Decimal, decideTax, type InvoiceLineType, lineTax } from "@lumen/core";
import type { EngineContext } from "../context";
import type { CustomerDetails } from "../invoices/invoice-view";
import type { TaxId } from "./tax-id";
import { loadLiveTaxRates } from "./tax-rate-record";

/** What a tax provider is asked for one invoice, at its finalization (or a draft's preview). */
export interface TaxRequest {
  currency: string;
  /** The moment the tax is for: the rates in force then apply. */
  at: Date;
  /** The lines' amounts include their tax. */
  pricesIncludeTax: boolean;
  seller: { country: string; euOss: boolean };
  customer: {
    id: string;
    address: CustomerDetails["address"];
    taxIds: TaxId[];
    taxExempt: "none" | "exempt" | "reverse";
  };
  /** Each line with what is left of it after discounts: the amount tax is computed on. */
  lines: { id: string; type: InvoiceLineType; description: string; amount: Decimal }[];
}

/** A provider's answer: a rate and an amount per line (Lumen rounds amounts half-up), and notes for the document. */
export interface TaxCalculation {
  lines: { id: string; percentage: Decimal; amount: Decimal }[];
  notes: string[];
}

/**
 * Computes the tax of an invoice (PRODUCT §8). The built-in rules are one implementation; an external tax service
 * is another, given to the billing process (`buildApp({ tax: { provider } })`) to replace them.
 */
export interface TaxProvider {
  readonly name: string;
  calculate(ctx: EngineContext, request: TaxRequest): Promise<TaxCalculation>;
}

/** PRODUCT §8's table, with the EU standard rates shipped in core and the environment's custom rates. */
export const builtinTaxProvider: TaxProvider = {
  name: "builtin",
  async calculate(ctx, request) {
    const country = request.customer.address?.country ?? null;
    const decision = decideTax({
      seller: request.seller,
      buyer: {
        country,
        state: request.customer.address?.state ?? null,
        taxExempt: request.customer.taxExempt,
        euVatId: businessVatId(request.customer.taxIds),
      },
      at: request.at,
      customRates: country ? await loadLiveTaxRates(ctx, country) : [],
    });
    return {
      lines: request.lines.map((line) => ({
        id: line.id,
        percentage: decision.percentage,
        amount: lineTax({
          net: line.amount,
          percentage: decision.percentage,
          inclusive: request.pricesIncludeTax,
          currency: request.currency,
        }),
      })),
      notes: decision.notes,
    };
  },
};

/** The customer's first well-formed `eu_vat` id that the registry did not find unregistered: it buys as a business. */
function businessVatId(taxIds: readonly TaxId[]): { value: string; country: string } | null {
  for (const taxId of taxIds) {
    if (taxId.type !== "eu_vat" || taxId.verification?.status === "unverified") continue;
    const checked = checkEuVatId(taxId.value);
    if (checked.ok) return { value: checked.value, country: checked.country };
  }
  return null;
}
