import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Decimal, minorUnits } from "../money";
import { creditNoteTax, lineTax } from "./line-tax";

const d = (value: string | number) => new Decimal(value);

// [behaviour, net, percentage, inclusive, currency, tax]
const CASES: [string, string, string, boolean, string, string][] = [
  ["taxes 100.00 at 19 % exclusive as 19.00", "100.00", "19", false, "EUR", "19.00"],
  ["finds 19.00 of tax inside 119.00 at 19 % inclusive (net 100.00)", "119.00", "19", true, "EUR", "19.00"],
  // 1.50 × 19 % = 0.285: half-up gives 0.29 where half-even (banker's) would give 0.28.
  ["rounds a half cent up: 1.50 at 19 % is 0.29", "1.50", "19", false, "EUR", "0.29"],
  // −0.285: half away from zero gives −0.29; half-even, or Math.round's half towards +∞, would give −0.28.
  ["rounds a credit's half cent away from zero: −1.50 at 19 % is −0.29", "-1.50", "19", false, "EUR", "-0.29"],
  ["finds −19.00 inside a −119.00 inclusive credit", "-119.00", "19", true, "EUR", "-19.00"],
  // 150 × 19 % = 28.5: half-even would give 28.
  ["rounds JPY to whole yen: 150 at 19 % is 29", "150", "19", false, "JPY", "29"],
  ["taxes 1000 JPY at 19 % as 190", "1000", "19", false, "JPY", "190"],
  // 1.005 × 10 % = 0.1005: half-even would give 0.100.
  ["rounds KWD to three decimals: 1.005 at 10 % is 0.101", "1.005", "10", false, "KWD", "0.101"],
  // 10 − 10 / 1.19 = 1.5966…
  ["rounds inclusive tax: 10.00 at 19 % holds 1.60", "10.00", "19", true, "EUR", "1.60"],
  ["charges nothing at 0 %", "10.00", "0", false, "EUR", "0.00"],
  ["charges nothing at 0 % inclusive", "10.00", "0", true, "EUR", "0.00"],
  ["gives 0, not −0, for a credit at 0 %", "-10.00", "0", false, "EUR", "0.00"],
  ["gives 0, not −0, when a small credit's tax rounds away", "-0.01", "19", false, "EUR", "0.00"],
  ["keeps a fractional rate: 25.5 % of 10.00 is 2.55", "10.00", "25.5", false, "EUR", "2.55"],
  // 10 − 10 / 1.255 = 2.0318…
  ["keeps a fractional rate inclusive: 10.00 at 25.5 % holds 2.03", "10.00", "25.5", true, "EUR", "2.03"],
  ["taxes a zero line as zero", "0.00", "19", false, "EUR", "0.00"],
];

describe("lineTax", () => {
  it.each(CASES)("%s", (_behaviour, net, percentage, inclusive, currency, expected) => {
    const tax = lineTax({ net: d(net), percentage: d(percentage), inclusive, currency });
    // toFixed() without digits shows every digit, so an unrounded 0.285 cannot pass for 0.29.
    expect(tax.toFixed()).toBe(d(expected).toFixed());
    expect(tax.isNegative()).toBe(d(expected).isNegative());
  });

  it("rejects a currency that is not ISO 4217", () => {
    expect(() => lineTax({ net: d("1.00"), percentage: d("19"), inclusive: false, currency: "usd" })).toThrow(
      "'usd' is not an ISO 4217 currency code",
    );
  });

  const currency = fc.constantFrom("EUR", "USD", "JPY", "KWD");
  const minorAmount = fc.integer({ min: -1_000_000_000, max: 1_000_000_000 });
  // 0.00 % to 100.00 %, up to two decimals.
  const percentage = fc.integer({ min: 0, max: 10_000 }).map((hundredths) => d(hundredths).dividedBy(100));

  it("splits an inclusive amount into tax and net exactly, the net's exclusive tax within one minor unit", () => {
    fc.assert(
      fc.property(currency, minorAmount, percentage, (code, minor, rate) => {
        const places = minorUnits(code);
        const unit = d(1).dividedBy(10 ** places);
        const amount = d(minor).times(unit);
        const tax = lineTax({ net: amount, percentage: rate, inclusive: true, currency: code });
        const net = amount.minus(tax);
        expect(tax.decimalPlaces()).toBeLessThanOrEqual(places);
        expect(tax.plus(net).equals(amount)).toBe(true);
        const exclusive = lineTax({ net, percentage: rate, inclusive: false, currency: code });
        expect(exclusive.minus(tax).abs().lte(unit)).toBe(true);
      }),
    );
  });
});

describe("creditNoteTax", () => {
  it.each([
    ["11.90", "119.00", "19.00", "EUR", "1.90"],
    ["119.00", "119.00", "19.00", "EUR", "19.00"],
    ["10.00", "119.00", "19.00", "EUR", "1.60"],
    ["5.00", "100.00", "0.00", "EUR", "0.00"],
    ["5.00", "0.00", "0.00", "EUR", "0"],
    ["100", "1190", "190", "JPY", "16"],
  ])("%s credited of %s with %s tax (%s) gives back %s", (amount, total, tax, currency, expected) => {
    const given = creditNoteTax({
      amount: new Decimal(amount),
      invoiceTotal: new Decimal(total),
      invoiceTax: new Decimal(tax),
      currency,
    });
    expect(given.toFixed()).toBe(new Decimal(expected).toFixed());
  });
});
