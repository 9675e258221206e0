import { describe, expect, it } from "vitest";
import { Decimal } from "../money";
import {
  type CustomTaxRate,
  decideTax,
  matchCustomRate,
  type TaxBuyer,
  type TaxRule,
  type TaxSeller,
} from "./tax-rules";

const DE: TaxSeller = { country: "DE", euOss: false };
const DE_OSS: TaxSeller = { country: "DE", euOss: true };
const US: TaxSeller = { country: "US", euOss: false };
const US_OSS: TaxSeller = { country: "US", euOss: true };

const buyer = (fields: Partial<TaxBuyer> = {}): TaxBuyer => ({
  country: null,
  state: null,
  taxExempt: "none",
  euVatId: null,
  ...fields,
});
const vatId = (value: string, country: string) => ({ value, country });
const rate = (id: string, country: string, state: string | null, percentage: string): CustomTaxRate => ({
  id,
  name: id,
  country,
  state,
  percentage: new Decimal(percentage),
});

const US_CA = rate("us-ca", "US", "CA", "7.25");
const CH = rate("ch-vat", "CH", null, "8.1");
const US_WIDE = rate("us-wide", "US", null, "5");
const FR_CUSTOM = rate("fr-custom", "FR", null, "20");
const RATES = [US_CA, CH];

interface Row {
  behaviour: string;
  seller: TaxSeller;
  buyer: TaxBuyer;
  /** An ISO date; 2026-11-24 unless given. */
  on?: string;
  rates?: CustomTaxRate[];
  rule: TaxRule;
  percentage: string;
  jurisdiction: string | null;
  taxRateId?: string | null;
  notes?: string[];
}

// One row per row of PRODUCT §8's table, then the extensions of decideTax's doc comment. Figures are written by
// hand (DE 19 %, FR 20 %, FI 24 % → 25.5 % on 2024-09-01), not read from eu-vat-rates.json.
const ROWS: Row[] = [
  // taxExempt: exempt → 0 %
  {
    behaviour: "charges an exempt customer nothing, with a 'Tax exempt' note",
    seller: DE,
    buyer: buyer({ country: "FR", taxExempt: "exempt" }),
    rule: "exempt",
    percentage: "0",
    jurisdiction: null,
    notes: ["Tax exempt"],
  },
  {
    behaviour: "lets exemption win over an EU business's VAT id",
    seller: DE_OSS,
    buyer: buyer({ country: "FR", taxExempt: "exempt", euVatId: vatId("FR40303265045", "FR") }),
    rule: "exempt",
    percentage: "0",
    jurisdiction: null,
    notes: ["Tax exempt"],
  },
  {
    behaviour: "exempts a domestic customer too",
    seller: DE,
    buyer: buyer({ country: "DE", taxExempt: "exempt" }),
    rule: "exempt",
    percentage: "0",
    jurisdiction: null,
    notes: ["Tax exempt"],
  },
  // taxExempt: reverse → 0 %, reverse charge
  {
    behaviour: "reverse-charges a customer marked 'reverse' even without a VAT id",
    seller: DE,
    buyer: buyer({ country: "FR", taxExempt: "reverse" }),
    rule: "reverse_charge",
    percentage: "0",
    jurisdiction: null,
    notes: ["Reverse charge"],
  },
  {
    behaviour: "reverse-charges a domestic customer marked 'reverse', printing its VAT id",
    seller: DE,
    buyer: buyer({ country: "DE", taxExempt: "reverse", euVatId: vatId("DE123456789", "DE") }),
    rule: "reverse_charge",
    percentage: "0",
    jurisdiction: null,
    notes: ["Reverse charge", "Customer VAT ID: DE123456789"],
  },
  {
    behaviour: "reverse-charges a customer outside the EU marked 'reverse', ignoring its custom rate",
    seller: DE,
    buyer: buyer({ country: "US", state: "CA", taxExempt: "reverse" }),
    rule: "reverse_charge",
    percentage: "0",
    jurisdiction: null,
    notes: ["Reverse charge"],
  },
  // EU business, C ≠ S → 0 %, reverse charge, VAT id on the invoice
  {
    behaviour: "reverse-charges an EU business in another member state, printing its VAT id",
    seller: DE,
    buyer: buyer({ country: "FR", euVatId: vatId("FR40303265045", "FR") }),
    rule: "reverse_charge",
    percentage: "0",
    jurisdiction: null,
    notes: ["Reverse charge", "Customer VAT ID: FR40303265045"],
  },
  {
    behaviour: "reverse-charges an EU business in another member state under OSS too",
    seller: DE_OSS,
    buyer: buyer({ country: "FR", euVatId: vatId("FR40303265045", "FR") }),
    rule: "reverse_charge",
    percentage: "0",
    jurisdiction: null,
    notes: ["Reverse charge", "Customer VAT ID: FR40303265045"],
  },
  // EU business, C = S → standard rate of S
  {
    behaviour: "charges a business in the seller's own member state the seller's rate",
    seller: DE,
    buyer: buyer({ country: "DE", euVatId: vatId("DE123456789", "DE") }),
    rule: "domestic_business",
    percentage: "19",
    jurisdiction: "DE",
    notes: [],
  },
  {
    behaviour: "charges a domestic business the seller's rate under OSS too",
    seller: DE_OSS,
    buyer: buyer({ country: "DE", euVatId: vatId("DE123456789", "DE") }),
    rule: "domestic_business",
    percentage: "19",
    jurisdiction: "DE",
    notes: [],
  },
  {
    behaviour: "takes C from the address, not the VAT id: a DE address with a FR id is domestic",
    seller: DE,
    buyer: buyer({ country: "DE", euVatId: vatId("FR40303265045", "FR") }),
    rule: "domestic_business",
    percentage: "19",
    jurisdiction: "DE",
    notes: [],
  },
  // EU consumer, euOss: true → standard rate of C
  {
    behaviour: "charges an EU consumer its own country's rate under OSS",
    seller: DE_OSS,
    buyer: buyer({ country: "FR" }),
    rule: "eu_consumer_oss",
    percentage: "20",
    jurisdiction: "FR",
    notes: [],
  },
  {
    behaviour: "charges a domestic consumer the seller's rate under OSS",
    seller: DE_OSS,
    buyer: buyer({ country: "DE" }),
    rule: "eu_consumer_oss",
    percentage: "19",
    jurisdiction: "DE",
    notes: [],
  },
  // EU consumer, euOss: false → standard rate of S
  {
    behaviour: "charges an EU consumer the seller's rate without OSS",
    seller: DE,
    buyer: buyer({ country: "FR" }),
    rule: "eu_consumer_origin",
    percentage: "19",
    jurisdiction: "DE",
    notes: [],
  },
  {
    behaviour: "ignores a custom rate for an EU country when the EU rules apply",
    seller: DE,
    buyer: buyer({ country: "FR" }),
    rates: [FR_CUSTOM],
    rule: "eu_consumer_origin",
    percentage: "19",
    jurisdiction: "DE",
    notes: [],
  },
  // outside the EU → a custom rate matching country (and state), else 0 %
  {
    behaviour: "charges a customer outside the EU its state's custom rate",
    seller: DE,
    buyer: buyer({ country: "US", state: "CA" }),
    rule: "custom_rate",
    percentage: "7.25",
    jurisdiction: "US",
    taxRateId: "us-ca",
    notes: [],
  },
  {
    behaviour: "charges the state's custom rate whatever the seller's OSS registration",
    seller: DE_OSS,
    buyer: buyer({ country: "US", state: "CA" }),
    rule: "custom_rate",
    percentage: "7.25",
    jurisdiction: "US",
    taxRateId: "us-ca",
    notes: [],
  },
  {
    behaviour: "charges a country-wide custom rate to a customer with a state",
    seller: DE,
    buyer: buyer({ country: "CH", state: "ZH" }),
    rule: "custom_rate",
    percentage: "8.1",
    jurisdiction: "CH",
    taxRateId: "ch-vat",
    notes: [],
  },
  {
    behaviour: "charges a country-wide custom rate to a customer without a state",
    seller: DE,
    buyer: buyer({ country: "CH" }),
    rule: "custom_rate",
    percentage: "8.1",
    jurisdiction: "CH",
    taxRateId: "ch-vat",
    notes: [],
  },
  {
    behaviour: "prefers the state's custom rate to the country-wide one",
    seller: DE,
    buyer: buyer({ country: "US", state: "CA" }),
    rates: [US_WIDE, US_CA],
    rule: "custom_rate",
    percentage: "7.25",
    jurisdiction: "US",
    taxRateId: "us-ca",
    notes: [],
  },
  {
    behaviour: "falls back to the country-wide custom rate for a state without its own",
    seller: DE,
    buyer: buyer({ country: "US", state: "NY" }),
    rates: [US_CA, US_WIDE],
    rule: "custom_rate",
    percentage: "5",
    jurisdiction: "US",
    taxRateId: "us-wide",
    notes: [],
  },
  {
    behaviour: "charges nothing outside the EU where no custom rate matches",
    seller: DE,
    buyer: buyer({ country: "US", state: "NY" }),
    rule: "no_rate",
    percentage: "0",
    jurisdiction: null,
    notes: [],
  },
  {
    behaviour: "charges nothing outside the EU when there are no custom rates at all",
    seller: DE,
    buyer: buyer({ country: "GB" }),
    rates: [],
    rule: "no_rate",
    percentage: "0",
    jurisdiction: null,
    notes: [],
  },
  {
    behaviour: "treats an EU VAT id outside the EU as no business: a US address with a FR id takes US rates",
    seller: DE,
    buyer: buyer({ country: "US", state: "CA", euVatId: vatId("FR40303265045", "FR") }),
    rule: "custom_rate",
    percentage: "7.25",
    jurisdiction: "US",
    taxRateId: "us-ca",
    notes: [],
  },
  // Extension: no address country → the VAT id's country
  {
    behaviour: "takes the country from a Greek VAT id (EL → GR) when the address has none: reverse charge",
    seller: DE,
    buyer: buyer({ euVatId: vatId("EL094259216", "GR") }),
    rule: "reverse_charge",
    percentage: "0",
    jurisdiction: null,
    notes: ["Reverse charge", "Customer VAT ID: EL094259216"],
  },
  {
    behaviour: "takes the country from a domestic VAT id when the address has none: the seller's rate",
    seller: DE,
    buyer: buyer({ euVatId: vatId("DE123456789", "DE") }),
    rule: "domestic_business",
    percentage: "19",
    jurisdiction: "DE",
    notes: [],
  },
  // Extension: nothing known → a domestic sale
  {
    behaviour: "treats a customer with nothing known as domestic: the seller's rate",
    seller: DE,
    buyer: buyer(),
    rule: "eu_consumer_origin",
    percentage: "19",
    jurisdiction: "DE",
    notes: [],
  },
  {
    behaviour: "treats a customer with nothing known as domestic under OSS too",
    seller: DE_OSS,
    buyer: buyer(),
    rule: "eu_consumer_oss",
    percentage: "19",
    jurisdiction: "DE",
    notes: [],
  },
  {
    behaviour: "treats a customer with nothing known as domestic for a seller outside the EU: its custom rate",
    seller: US,
    buyer: buyer({ state: "CA" }),
    rates: [US_WIDE],
    rule: "custom_rate",
    percentage: "5",
    jurisdiction: "US",
    taxRateId: "us-wide",
    notes: [],
  },
  // Extension: a seller outside the EU (non-Union OSS)
  {
    behaviour: "lets a seller outside the EU registered for OSS charge an EU consumer its country's rate",
    seller: US_OSS,
    buyer: buyer({ country: "FR" }),
    rule: "eu_consumer_oss",
    percentage: "20",
    jurisdiction: "FR",
    notes: [],
  },
  {
    behaviour: "has a seller outside the EU without OSS charge an EU consumer nothing when no custom rate matches",
    seller: US,
    buyer: buyer({ country: "FR" }),
    rule: "no_rate",
    percentage: "0",
    jurisdiction: null,
    notes: [],
  },
  {
    behaviour: "has a seller outside the EU without OSS charge an EU consumer a matching custom rate",
    seller: US,
    buyer: buyer({ country: "FR" }),
    rates: [FR_CUSTOM],
    rule: "custom_rate",
    percentage: "20",
    jurisdiction: "FR",
    taxRateId: "fr-custom",
    notes: [],
  },
  {
    behaviour: "has a seller outside the EU reverse-charge an EU business",
    seller: US_OSS,
    buyer: buyer({ country: "FR", euVatId: vatId("FR40303265045", "FR") }),
    rule: "reverse_charge",
    percentage: "0",
    jurisdiction: null,
    notes: ["Reverse charge", "Customer VAT ID: FR40303265045"],
  },
  {
    behaviour: "has a seller outside the EU charge its own customers their custom rate",
    seller: US_OSS,
    buyer: buyer({ country: "US", state: "CA" }),
    rule: "custom_rate",
    percentage: "7.25",
    jurisdiction: "US",
    taxRateId: "us-ca",
    notes: [],
  },
  // Extension: the rate in force on the day
  {
    behaviour: "charges a Finnish consumer 24 % on 2024-08-31 under OSS",
    seller: DE_OSS,
    buyer: buyer({ country: "FI" }),
    on: "2024-08-31",
    rule: "eu_consumer_oss",
    percentage: "24",
    jurisdiction: "FI",
    notes: [],
  },
  {
    behaviour: "charges a Finnish consumer 25.5 % from 2024-09-01 under OSS",
    seller: DE_OSS,
    buyer: buyer({ country: "FI" }),
    on: "2024-09-01",
    rule: "eu_consumer_oss",
    percentage: "25.5",
    jurisdiction: "FI",
    notes: [],
  },
  {
    behaviour: "charges the seller's 16 % of the second half of 2020 without OSS",
    seller: DE,
    buyer: buyer({ country: "FI" }),
    on: "2020-08-15",
    rule: "eu_consumer_origin",
    percentage: "16",
    jurisdiction: "DE",
    notes: [],
  },
];

describe("decideTax", () => {
  it.each(ROWS)("$behaviour", (row) => {
    const decision = decideTax({
      seller: row.seller,
      buyer: row.buyer,
      at: new Date(`${row.on ?? "2026-11-24"}T12:00:00Z`),
      customRates: row.rates ?? RATES,
    });
    expect({
      rule: decision.rule,
      percentage: decision.percentage.toString(),
      jurisdiction: decision.jurisdiction,
      taxRateId: decision.taxRateId,
      notes: decision.notes,
    }).toEqual({
      rule: row.rule,
      percentage: row.percentage,
      jurisdiction: row.jurisdiction,
      taxRateId: row.taxRateId ?? null,
      notes: row.notes ?? [],
    });
  });

  it("keeps 25.5 % as a Decimal, not a float", () => {
    const decision = decideTax({
      seller: DE_OSS,
      buyer: buyer({ country: "FI" }),
      at: new Date("2026-11-24T00:00:00Z"),
      customRates: [],
    });
    expect(decision.percentage).toBeInstanceOf(Decimal);
    expect(decision.percentage.toFixed(2)).toBe("25.50");
  });
});

describe("matchCustomRate", () => {
  it.each([
    ["the state's own rate", [US_WIDE, US_CA], "US", "CA", "us-ca"],
    ["a state written in lower case and with spaces", [US_WIDE, US_CA], "US", " ca ", "us-ca"],
    ["a rate stored with a lower-case state", [rate("us-ca-lower", "US", "ca", "7.25")], "US", "CA", "us-ca-lower"],
    ["the country-wide rate for another state", [US_CA, US_WIDE], "US", "NY", "us-wide"],
    ["the country-wide rate without a state", [US_CA, US_WIDE], "US", null, "us-wide"],
    ["the country-wide rate for an empty state", [US_CA, US_WIDE], "US", "  ", "us-wide"],
    ["no state's rate without a state", [US_CA], "US", null, null],
    ["nothing for another state and no country-wide rate", [US_CA], "US", "NY", null],
    ["nothing for another country", [US_CA, CH], "CA", "CA", null],
  ] as const)("finds %s", (_case, rates, country, state, expected) => {
    expect(matchCustomRate(rates, country, state)?.id ?? null).toBe(expected);
  });
});
