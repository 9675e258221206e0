import { z } from "zod";
import { DECIMAL_PATTERN, Decimal, isCurrency } from "./money";

/** Field schemas shared by every verb's input schema, so the API, CLI and jobs say the same thing. */

const DECIMAL_MESSAGE = 'must be a decimal string such as "20.00"';
// 18 integer and 12 fraction digits keep every amount within 30 significant digits of the Decimal class.
const BOUNDED_DECIMAL_PATTERN = /^-?\d{1,18}(\.\d{1,12})?$/;

/** Money and rates travel as decimal strings, never floats (PRODUCT §1): "20.00", "-0.0025". */
export const decimalString = z
  .string({ error: DECIMAL_MESSAGE })
  .regex(BOUNDED_DECIMAL_PATTERN, { error: DECIMAL_MESSAGE, abort: true });

/** A decimal string ≥ 0 ("0", "20.00"). */
export const nonNegativeDecimalString = decimalString.refine((value) => signOf(value) >= 0, {
  error: 'must be a decimal string of zero or more, such as "20.00"',
});

/** A decimal string > 0 ("0.0025", "20.00"). */
export const positiveDecimalString = decimalString.refine((value) => signOf(value) > 0, {
  error: 'must be a decimal string greater than zero, such as "20.00"',
});

/** An uppercase ISO 4217 code Lumen can bill in ("USD", "JPY", "KWD"). */
export const currencyCode = z
  .string({ error: "must be an ISO 4217 currency code" })
  .refine(isCurrency, { error: "must be an ISO 4217 currency code" });

const DATE_TIME_MESSAGE = 'must be an ISO 8601 timestamp with a timezone, such as "2026-01-01T00:00:00Z"';

/** An ISO 8601 timestamp with `Z` or an offset, parsed to a Date. */
export const isoDateTime = z
  .string({ error: DATE_TIME_MESSAGE })
  .pipe(z.iso.datetime({ offset: true, error: DATE_TIME_MESSAGE }))
  .transform((value, context) => {
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) {
      context.issues.push({ code: "custom", message: DATE_TIME_MESSAGE, input: value });
      return z.NEVER;
    }
    return date;
  });

const CALLER_ID_MESSAGE =
  "must be 1–255 characters of letters, digits, '_', '.', ':', '@' and '-', starting with a letter or digit";

/** Ids chosen by the caller for customers, features, plans, coupons and entities (PRODUCT §1): "acme". */
export const callerId = z
  .string({ error: CALLER_ID_MESSAGE })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,254}$/, { error: CALLER_ID_MESSAGE });

/** Sign of a decimal string; the regex check aborts first, but a refinement must never throw. */
function signOf(value: string): number {
  return DECIMAL_PATTERN.test(value) ? new Decimal(value).comparedTo(0) : Number.NaN;
}

const REGION_NAMES = new Intl.DisplayNames(["en"], { type: "region", fallback: "none" });
/** Codes the region names know that are not countries of ISO 3166-1 (groups, "unknown", the UK's reserved alias). */
const NOT_COUNTRIES = new Set(["EU", "EZ", "UN", "ZZ", "QO", "UK"]);
/** Codes people write for a country whose ISO code is another. */
const MISTAKEN_COUNTRIES: Record<string, string> = {
  EL: "Greece's ISO 3166-1 code is GR (EL is its VAT prefix)",
  UK: "the United Kingdom's ISO 3166-1 code is GB",
};

/** Whether `code` is an ISO 3166-1 alpha-2 country code ("DE", "GR"; not "EL" nor "UK"). */
export function isCountryCode(code: string): boolean {
  return /^[A-Z]{2}$/.test(code) && !NOT_COUNTRIES.has(code) && REGION_NAMES.of(code) !== undefined;
}

/** An ISO 3166-1 alpha-2 country code, with a hint for the usual mistakes (EL for Greece, UK). */
export const countryCode = z.string().superRefine((code, context) => {
  if (isCountryCode(code)) return;
  const hint = MISTAKEN_COUNTRIES[code];
  context.addIssue({
    code: "custom",
    message: `must be an ISO 3166-1 alpha-2 country code such as "DE"${hint ? `: ${hint}` : ""}`,
  });
});
