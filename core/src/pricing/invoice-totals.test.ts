import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Decimal } from "../money";
import { computeInvoiceTotals, type TotalsDiscount, type TotalsLine } from "./invoice-totals";

const d = (value: string | number) => new Decimal(value);
const line = (id: string, amount: string, fields: Partial<TotalsLine> = {}): TotalsLine => ({
  id,
  type: "fixed",
  amount: d(amount),
  plan: "team",
  ...fields,
});
const percent = (value: string, appliesToPlans: string[] | null = null): TotalsDiscount => ({
  id: "launch",
  percentOff: d(value),
  appliesToPlans,
});
const off = (value: string): TotalsDiscount => ({ id: "five", amountOff: d(value), appliesToPlans: null });
const text = (totals: ReturnType<typeof computeInvoiceTotals>) => ({
  subtotal: totals.subtotal.toFixed(2),
  discountTotal: totals.discountTotal.toFixed(2),
  taxTotal: totals.taxTotal.toFixed(2),
  total: totals.total.toFixed(2),
  creditApplied: totals.creditApplied.toFixed(2),
  amountDue: totals.amountDue.toFixed(2),
});

describe("invoice totals", () => {
  it("adds lines, takes a percentage off, and applies the credit balance last", () => {
    const totals = computeInvoiceTotals({
      lines: [line("fee", "20.00"), line("seats", "75.00", { type: "seats" })],
      discounts: [percent("20")],
      creditBalance: d("50.00"),
      currency: "USD",
    });
    expect(text(totals)).toEqual({
      subtotal: "95.00",
      discountTotal: "19.00",
      taxTotal: "0.00",
      total: "76.00",
      creditApplied: "50.00",
      amountDue: "26.00",
    });
    expect(totals.lines.map((entry) => entry.discountAmount.toFixed(2))).toEqual(["4.00", "15.00"]);
  });

  it("never discounts proration lines, nor plans the coupon is not for", () => {
    const totals = computeInvoiceTotals({
      lines: [
        line("fee", "20.00"),
        line("credit", "-5.00", { type: "proration" }),
        line("charge", "10.00", { type: "proration" }),
        line("addon", "30.00", { plan: "storage" }),
      ],
      discounts: [percent("50", ["team"])],
      currency: "USD",
    });
    expect(text(totals)).toMatchObject({ subtotal: "55.00", discountTotal: "10.00", total: "45.00" });
  });

  it("never takes the total below zero with an amount off", () => {
    const totals = computeInvoiceTotals({ lines: [line("fee", "3.00")], discounts: [off("5.00")], currency: "USD" });
    expect(text(totals)).toMatchObject({ discountTotal: "3.00", total: "0.00", amountDue: "0.00" });
  });

  it("rounds a percentage off once, half-up, and spreads it over the lines to the cent", () => {
    const totals = computeInvoiceTotals({
      lines: [line("a", "0.01"), line("b", "0.01"), line("c", "0.01")],
      discounts: [percent("50")],
      currency: "USD",
    });
    // 50 % of 0.03 is 0.015 → 0.02, shared as whole cents.
    expect(totals.discountTotal.toFixed(2)).toBe("0.02");
    expect(totals.lines.map((entry) => entry.discountAmount.toFixed(2))).toEqual(["0.01", "0.01", "0.00"]);
  });

  it("applies no credit to a negative total (the close will move it to the credit balance)", () => {
    const totals = computeInvoiceTotals({
      lines: [line("credit", "-12.00", { type: "proration" })],
      creditBalance: d("10.00"),
      currency: "USD",
    });
    expect(text(totals)).toMatchObject({ total: "-12.00", creditApplied: "0.00", amountDue: "-12.00" });
  });

  it("adds each line's tax to the total, in JPY without decimals", () => {
    const totals = computeInvoiceTotals({
      lines: [line("fee", "1000", { plan: "team" })],
      discounts: [percent("10")],
      currency: "JPY",
      taxes: new Map([["fee", d(90)]]),
    });
    expect(totals.lines[0]?.taxAmount.toString()).toBe("90");
    expect(totals.taxTotal.toString()).toBe("90");
    expect(totals.total.toString()).toBe("990");
  });

  it("keeps inclusive tax inside the total", () => {
    const totals = computeInvoiceTotals({
      lines: [line("fee", "119.00")],
      currency: "EUR",
      taxes: new Map([["fee", d("19.00")]]),
      taxInclusive: true,
    });
    expect(text(totals)).toMatchObject({ subtotal: "119.00", taxTotal: "19.00", total: "119.00", amountDue: "119.00" });
  });

  const amount = fc.integer({ min: -5_000, max: 50_000 }).map((cents) => d(cents).dividedBy(100));
  const lines = fc.array(fc.record({ amount, proration: fc.boolean(), plan: fc.constantFrom("team", "storage") }), {
    maxLength: 8,
  });
  const discounts = fc.array(
    fc.oneof(
      fc.integer({ min: 0, max: 100 }).map((value) => percent(String(value), null)),
      fc.integer({ min: 0, max: 20_000 }).map((cents) => off(d(cents).dividedBy(100).toFixed(2))),
      fc.constant(percent("25", ["team"])),
    ),
    { maxLength: 3 },
  );

  it("keeps every sum exact: lines to subtotal, line discounts to the discount total, nothing created or lost", () => {
    fc.assert(
      fc.property(lines, discounts, fc.integer({ min: 0, max: 100_000 }), (specs, offs, balance) => {
        const built = specs.map((spec, index) =>
          line(`l${index}`, spec.amount.toFixed(2), {
            type: spec.proration ? "proration" : "usage",
            plan: spec.plan,
          }),
        );
        const creditBalance = d(balance).dividedBy(100);
        const totals = computeInvoiceTotals({ lines: built, discounts: offs, creditBalance, currency: "USD" });
        const sum = (values: Decimal[]) => values.reduce((total, value) => total.plus(value), d(0));
        expect(totals.subtotal.equals(sum(built.map((entry) => entry.amount)))).toBe(true);
        expect(totals.discountTotal.equals(sum(totals.lines.map((entry) => entry.discountAmount)))).toBe(true);
        // Discounts stay within the non-proration lines they could apply to, per line.
        totals.lines.forEach((entry, index) => {
          const source = built[index]!;
          if (source.type === "proration") expect(entry.discountAmount.isZero()).toBe(true);
          expect(entry.discountAmount.lte(Decimal.max(0, source.amount))).toBe(true);
          expect(entry.discountAmount.gte(0)).toBe(true);
        });
        expect(totals.total.equals(totals.subtotal.minus(totals.discountTotal).plus(totals.taxTotal))).toBe(true);
        expect(totals.amountDue.equals(totals.total.minus(totals.creditApplied))).toBe(true);
        expect(totals.creditApplied.gte(0) && totals.creditApplied.lte(creditBalance)).toBe(true);
        expect(totals.total.gt(0) ? totals.amountDue.gte(0) : totals.creditApplied.isZero()).toBe(true);
      }),
    );
  });
});
