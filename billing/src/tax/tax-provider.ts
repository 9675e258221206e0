import {
  buyerCountryOf,
  checkEuVatId,
  type Decimal,
  decideTax,
  type InvoiceLineType,
  lineTax,
  type TaxBuyer,
} from "@lumen/core";
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
    const buyer: TaxBuyer = {
      country,
      state: request.customer.address?.state ?? null,
      taxExempt: request.customer.taxExempt,
      euVatId: businessVatId(request.customer.taxIds, country),
    };
    const customRates = await loadLiveTaxRates(ctx, buyerCountryOf({ seller: request.seller, buyer }));
    const decision = decideTax({ seller: request.seller, buyer, at: request.at, customRates });
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

/**
 * The customer's well-formed `eu_vat` id that the registry did not find unregistered — the one of its address's
 * country when it has several: it buys as a business. null: a consumer.
 */
function businessVatId(taxIds: readonly TaxId[], country: string | null): { value: string; country: string } | null {
  const usable = taxIds.flatMap((taxId) => {
    if (taxId.type !== "eu_vat" || taxId.verification?.status === "unverified") return [];
    const checked = checkEuVatId(taxId.value);
    return checked.ok ? [{ value: checked.value, country: checked.country }] : [];
  });
  return usable.find((id) => id.country === country) ?? usable[0] ?? null;
}
