import { Decimal } from "../money";
import { euStandardRate, isEuMemberState } from "./eu-vat-rates";

/** Who sells: the country it is established in (its origin) and whether it is registered for the EU's One-Stop Shop. */
export interface TaxSeller {
  country: string;
  euOss: boolean;
}

/** Who buys, as the rules see it. */
export interface TaxBuyer {
  /** ISO 3166-1 alpha-2 from the address; null when unknown. */
  country: string | null;
  /** The subdivision code from the address ("CA"), matched against custom rates. */
  state: string | null;
  taxExempt: "none" | "exempt" | "reverse";
  /**
   * An `eu_vat` id of valid format that no registry found unregistered: the buyer is a business. null: a consumer.
   * `country` is the member state of the id (Greece's EL is GR).
   */
  euVatId: { value: string; country: string } | null;
}

/** A custom rate (`POST /v1/tax-rates`): a percentage for a country, or for one state of it. */
export interface CustomTaxRate {
  id: string;
  name: string;
  country: string;
  state: string | null;
  percentage: Decimal;
}

/** The row of PRODUCT §8's table that applied. */
export type TaxRule =
  | "exempt"
  | "reverse_charge"
  | "domestic_business"
  | "eu_consumer_oss"
  | "eu_consumer_origin"
  | "custom_rate"
  | "no_rate";

export interface TaxDecision {
  rule: TaxRule;
  /** A percentage (19, 25.5); 0 for exempt, reverse charge and places without a rate. */
  percentage: Decimal;
  /** The country whose rate applies; null when none does. */
  jurisdiction: string | null;
  /** The custom rate used, with `custom_rate`. */
  taxRateId: string | null;
  /** Printed on the invoice ("Reverse charge", the buyer's VAT id). */
  notes: string[];
}

export const REVERSE_CHARGE_NOTE = "Reverse charge";
export const TAX_EXEMPT_NOTE = "Tax exempt";

/**
 * The built-in rules of PRODUCT §8, for a seller established in `seller.country`, at `at` (the EU rate in force that
 * day applies). The buyer's country is its address's, else its VAT id's, else — nothing known — the seller's own (a
 * domestic sale). A seller outside the EU charges EU consumers their country's rate only under the (non-Union) OSS.
 */
export function decideTax({
  seller,
  buyer,
  at,
  customRates,
}: {
  seller: TaxSeller;
  buyer: TaxBuyer;
  at: Date;
  customRates: readonly CustomTaxRate[];
}): TaxDecision {
  const zero = (rule: TaxRule, notes: string[] = []): TaxDecision => ({
    rule,
    percentage: new Decimal(0),
    jurisdiction: null,
    taxRateId: null,
    notes,
  });
  const standard = (rule: TaxRule, country: string): TaxDecision => ({
    rule,
    percentage: euStandardRate(country, at),
    jurisdiction: country,
    taxRateId: null,
    notes: [],
  });
  if (buyer.taxExempt === "exempt") return zero("exempt", [TAX_EXEMPT_NOTE]);
  const country = buyerCountryOf({ seller, buyer });
  const inEu = isEuMemberState(country);
  const business = inEu && buyer.euVatId !== null;
  if (buyer.taxExempt === "reverse" || (business && country !== seller.country)) {
    const notes = [REVERSE_CHARGE_NOTE];
    if (buyer.euVatId) notes.push(`Customer VAT ID: ${buyer.euVatId.value}`);
    return zero("reverse_charge", notes);
  }
  if (business) return standard("domestic_business", seller.country);
  if (inEu && seller.euOss) return standard("eu_consumer_oss", country);
  if (inEu && isEuMemberState(seller.country)) return standard("eu_consumer_origin", seller.country);
  const custom = matchCustomRate(customRates, country, buyer.state);
  if (!custom) return zero("no_rate");
  return {
    rule: "custom_rate",
    percentage: custom.percentage,
    jurisdiction: custom.country,
    taxRateId: custom.id,
    notes: [],
  };
}

/** Where the buyer is for the rules: its address's country, else its VAT id's, else the seller's own. */
export function buyerCountryOf({
  seller,
  buyer,
}: {
  seller: Pick<TaxSeller, "country">;
  buyer: Pick<TaxBuyer, "country" | "euVatId">;
}): string {
  return buyer.country ?? buyer.euVatId?.country ?? seller.country;
}

/** The most specific custom rate for a place: the state's own, else the country-wide one (state null). */
export function matchCustomRate(
  rates: readonly CustomTaxRate[],
  country: string,
  state: string | null,
): CustomTaxRate | null {
  const wanted = state?.trim().toUpperCase() || null;
  const inCountry = rates.filter((rate) => rate.country === country);
  return (
    (wanted === null ? undefined : inCountry.find((rate) => rate.state?.toUpperCase() === wanted)) ??
    inCountry.find((rate) => rate.state === null) ??
    null
  );
}
