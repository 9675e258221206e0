import { LumenError } from "../errors";
import { DECIMAL_PATTERN, Decimal } from "../money";
import data from "./eu-vat-rates.json" with { type: "json" };

/**
 * The EU member states' standard VAT rates with the dates they took effect, as data (eu-vat-rates.json) so that a
 * rate change is a one-line edit. Regions outside the common rate (Azores, Madeira, Canary Islands, Büsingen, …)
 * are not modelled: a rate here is the member state's mainland standard rate.
 */

interface RatePeriod {
  /** First day in force, an ISO date ("2024-09-01"). */
  from: string;
  /** Last day in force, inclusive; null while in force. */
  to: string | null;
  /** The rate as a decimal percentage string ("25.5"). */
  percentage: string;
}

interface MemberState {
  name: string;
  /** The prefix of the country's VAT numbers; the ISO code except for Greece ("EL"). */
  vatPrefix: string;
  standardRates: RatePeriod[];
}

interface RatesFile {
  source: string;
  asOf: string;
  countries: Record<string, MemberState>;
}

interface LoadedPeriod {
  from: string;
  to: string | null;
  rate: Decimal;
}

const file: RatesFile = data;
const periodsOf = loadPeriods(file);
const countryOfPrefix = new Map(Object.entries(file.countries).map(([country, state]) => [state.vatPrefix, country]));

/** The 27 member states as ISO 3166-1 alpha-2 codes ("GR" for Greece, never "EL"). */
export const EU_MEMBER_STATES: readonly string[] = Object.freeze(Object.keys(file.countries));

/** Where the rates come from, to show beside a rate or cite in an invoice's notes. */
export const EU_VAT_RATES_SOURCE: string = file.source;

/** True for an EU member state's ISO 3166-1 alpha-2 code ("DE", "GR"); false for "EL", "GB", null. */
export function isEuMemberState(country: string | null | undefined): boolean {
  return typeof country === "string" && periodsOf.has(country);
}

/** The standard VAT rate as a percentage (19, 25.5) in force in the member state on `at`'s UTC calendar date. */
export function euStandardRate(country: string, at: Date): Decimal {
  const periods = periodsOf.get(country);
  if (periods === undefined) throw new Error(`'${country}' is not an EU member state`);
  if (Number.isNaN(at.getTime())) throw new Error("the date of an EU VAT rate must be a valid Date");
  const day = at.toISOString().slice(0, 10);
  // ISO dates compare as strings.
  const period = periods.find((entry) => entry.from <= day && (entry.to === null || day <= entry.to));
  if (period === undefined) {
    // A clear refusal (the change or finalization rolls back), not a 500: the data starts with each state's rate of
    // the 2010s.
    throw new LumenError(
      "conflict",
      `No standard VAT rate of ${country} is known for ${day} (core/src/tax/eu-vat-rates.json starts ${periods[0]?.from})`,
    );
  }
  return period.rate;
}

/** The prefix of a member state's VAT numbers: the ISO code, except Greece: "GR" → "EL". */
export function vatPrefixOf(country: string): string {
  const state = isEuMemberState(country) ? file.countries[country] : undefined;
  if (state === undefined) throw new Error(`'${country}' is not an EU member state`);
  return state.vatPrefix;
}

/** The member state (ISO code) of a VAT number prefix: "EL" → "GR", "DE" → "DE"; null for "GR", "XI", "GB". */
export function countryOfVatPrefix(prefix: string): string | null {
  return countryOfPrefix.get(prefix) ?? null;
}

/** Checks the file once at load: a broken rate table must stop the process, not mis-tax an invoice. */
function loadPeriods(rates: RatesFile): Map<string, LoadedPeriod[]> {
  const loaded = new Map<string, LoadedPeriod[]>();
  for (const [country, state] of Object.entries(rates.countries)) {
    const fail = (problem: string): never => {
      throw new Error(`eu-vat-rates.json: ${country} ${problem}`);
    };
    if (!/^[A-Z]{2}$/.test(country) || !/^[A-Z]{2}$/.test(state.vatPrefix)) fail("needs a two-letter code and prefix");
    if (state.standardRates.length === 0) fail("has no standard rate");
    const periods: LoadedPeriod[] = [];
    state.standardRates.forEach((period, index) => {
      const last = index === state.standardRates.length - 1;
      if (!isIsoDate(period.from)) fail(`has an invalid date '${period.from}'`);
      if (period.to !== null && (!isIsoDate(period.to) || period.to < period.from)) {
        fail(`has an invalid end '${period.to}' for the period from ${period.from}`);
      }
      if ((period.to === null) !== last) fail("must leave only its last period open");
      const next = state.standardRates[index + 1];
      if (next !== undefined && period.to !== null && nextDay(period.to) !== next.from) {
        fail(`has a gap or an overlap between ${period.to} and ${next.from}`);
      }
      if (!DECIMAL_PATTERN.test(period.percentage) || period.percentage.startsWith("-")) {
        fail(`has an invalid percentage '${period.percentage}'`);
      }
      periods.push({ from: period.from, to: period.to, rate: new Decimal(period.percentage) });
    });
    loaded.set(country, periods);
  }
  return loaded;
}

function isIsoDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && !Number.isNaN(Date.parse(text)) && toIsoDate(Date.parse(text)) === text;
}

function nextDay(isoDate: string): string {
  return toIsoDate(Date.parse(isoDate) + 86_400_000);
}

function toIsoDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
