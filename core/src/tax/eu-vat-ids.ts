import { countryOfVatPrefix } from "./eu-vat-rates";

/**
 * Format checks of `eu_vat` tax ids, per member state, after the prefix. A format check only: whether the number
 * is registered is VIES's question, not this one's. Formats from the European Commission's VIES FAQ
 * ("VAT number format" table).
 */

interface VatIdFormat {
  /** "German", as in "a German VAT number". */
  adjective: string;
  /** The national number, after the prefix. */
  pattern: RegExp;
  /** What follows "DE followed by". */
  description: string;
  example: string;
}

const FORMATS: Record<string, VatIdFormat> = {
  AT: { adjective: "Austrian", pattern: /^U\d{8}$/, description: "U and 8 digits", example: "ATU12345678" },
  BE: {
    adjective: "Belgian",
    pattern: /^[01]\d{9}$/,
    description: "10 digits starting with 0 or 1",
    example: "BE0123456789",
  },
  BG: { adjective: "Bulgarian", pattern: /^\d{9,10}$/, description: "9 or 10 digits", example: "BG123456789" },
  CY: { adjective: "Cypriot", pattern: /^\d{8}[A-Z]$/, description: "8 digits and a letter", example: "CY12345678X" },
  CZ: { adjective: "Czech", pattern: /^\d{8,10}$/, description: "8 to 10 digits", example: "CZ12345678" },
  DE: { adjective: "German", pattern: /^\d{9}$/, description: "9 digits", example: "DE123456789" },
  DK: { adjective: "Danish", pattern: /^\d{8}$/, description: "8 digits", example: "DK12345678" },
  EE: { adjective: "Estonian", pattern: /^\d{9}$/, description: "9 digits", example: "EE123456789" },
  EL: { adjective: "Greek", pattern: /^\d{9}$/, description: "9 digits", example: "EL123456789" },
  ES: {
    adjective: "Spanish",
    // Its first and last characters are not both digits (the VIES format table).
    pattern: /^(?!\d{9}$)[A-Z\d]\d{7}[A-Z\d]$/,
    description: "a letter or digit, 7 digits and a letter or digit, not both ends digits",
    example: "ESA12345678",
  },
  FI: { adjective: "Finnish", pattern: /^\d{8}$/, description: "8 digits", example: "FI12345678" },
  FR: {
    adjective: "French",
    pattern: /^[\dA-HJ-NP-Z]{2}\d{9}$/,
    description: "2 digits or letters (not I or O) and 9 digits",
    example: "FR12345678901",
  },
  HR: { adjective: "Croatian", pattern: /^\d{11}$/, description: "11 digits", example: "HR12345678901" },
  HU: { adjective: "Hungarian", pattern: /^\d{8}$/, description: "8 digits", example: "HU12345678" },
  IE: {
    adjective: "Irish",
    pattern: /^(\d{7}[A-Z]{1,2}|\d[A-Z+*]\d{5}[A-Z])$/,
    description: "7 digits and 1 or 2 letters (or the older form: a digit, a letter, + or *, 5 digits and a letter)",
    example: "IE1234567WA",
  },
  IT: { adjective: "Italian", pattern: /^\d{11}$/, description: "11 digits", example: "IT12345678901" },
  LT: { adjective: "Lithuanian", pattern: /^(\d{9}|\d{12})$/, description: "9 or 12 digits", example: "LT123456789" },
  LU: { adjective: "Luxembourgish", pattern: /^\d{8}$/, description: "8 digits", example: "LU12345678" },
  LV: { adjective: "Latvian", pattern: /^\d{11}$/, description: "11 digits", example: "LV12345678901" },
  MT: { adjective: "Maltese", pattern: /^\d{8}$/, description: "8 digits", example: "MT12345678" },
  NL: {
    adjective: "Dutch",
    pattern: /^\d{9}B\d{2}$/,
    description: "9 digits, B and 2 digits",
    example: "NL123456789B01",
  },
  PL: { adjective: "Polish", pattern: /^\d{10}$/, description: "10 digits", example: "PL1234567890" },
  PT: { adjective: "Portuguese", pattern: /^\d{9}$/, description: "9 digits", example: "PT123456789" },
  RO: {
    adjective: "Romanian",
    pattern: /^[1-9]\d{1,9}$/,
    description: "2 to 10 digits, the first not 0",
    example: "RO12345678",
  },
  SE: { adjective: "Swedish", pattern: /^\d{10}01$/, description: "12 digits ending in 01", example: "SE123456789001" },
  SI: { adjective: "Slovenian", pattern: /^\d{8}$/, description: "8 digits", example: "SI12345678" },
  SK: { adjective: "Slovak", pattern: /^\d{10}$/, description: "10 digits", example: "SK1234567890" },
};

const PREFIX_LIST = Object.keys(FORMATS)
  .map((prefix) => (prefix === "EL" ? "EL for Greece" : prefix))
  .join(", ");
const UNKNOWN_PREFIX = `an EU VAT number: a member state's prefix (${PREFIX_LIST}) followed by its national number, such as DE123456789`;

export type EuVatIdCheck = { ok: true; value: string; country: string } | { ok: false; expected: string };

/** The form VAT numbers are compared and stored in: uppercase, without spaces, dots or hyphens. */
export function normalizeEuVatId(value: string): string {
  return value.toUpperCase().replace(/[\s.-]/g, "");
}

/**
 * Checks an `eu_vat` tax id against its member state's format. On success, `value` is the normalized id and
 * `country` the ISO code ("GR" for an EL number); on failure, `expected` says what was expected, for an API error.
 */
export function checkEuVatId(value: string): EuVatIdCheck {
  const normalized = normalizeEuVatId(value);
  const prefix = normalized.slice(0, 2);
  // Greece's ISO code is GR but its VAT prefix is EL (VAT Directive, Art. 215); GR is a common mistake.
  if (prefix === "GR") {
    return { ok: false, expected: `a Greek VAT number with the prefix EL, not GR: ${describe("EL", FORMATS.EL!)}` };
  }
  const format = Object.hasOwn(FORMATS, prefix) ? FORMATS[prefix] : undefined;
  const country = countryOfVatPrefix(prefix);
  if (format === undefined || country === null) return { ok: false, expected: UNKNOWN_PREFIX };
  if (!format.pattern.test(normalized.slice(2))) {
    const article = /^[AEIOU]/.test(format.adjective) ? "an" : "a";
    return { ok: false, expected: `${article} ${format.adjective} VAT number: ${describe(prefix, format)}` };
  }
  return { ok: true, value: normalized, country };
}

function describe(prefix: string, format: VatIdFormat): string {
  return `${prefix} followed by ${format.description}, such as ${format.example}`;
}
