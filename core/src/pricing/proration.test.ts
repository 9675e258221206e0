import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Decimal } from "../money";
import { computePlanChangeProration, computeSeatProration, remainingFraction } from "./proration";

const JAN = Date.parse("2026-01-01T00:00:00Z");
const FEB = Date.parse("2026-02-01T00:00:00Z");
const HALF = JAN + (FEB - JAN) / 2;
const usd = (value: string) => new Decimal(value);
const amounts = (lines: { amount: Decimal }[]) => lines.map((line) => line.amount.toFixed(2));

describe("proration", () => {
  it("credits the unused half and charges the remaining half (Stripe's example: 10.00 → 20.00 half-way)", () => {
    const lines = computePlanChangeProration({
      from: { name: "Basic", amount: usd("10.00") },
      to: { name: "Pro", amount: usd("20.00") },
      periodStart: JAN,
      periodEnd: FEB,
      at: HALF,
      currency: "USD",
    });
    expect(lines.map((line) => [line.description, line.amount.toFixed(2)])).toEqual([
      ["Unused time on Basic", "-5.00"],
      ["Remaining time on Pro", "10.00"],
    ]);
    expect(lines[0]).toMatchObject({ periodStart: HALF, periodEnd: FEB, type: "proration" });
  });

  it("counts whole seconds: a change one second into the period leaves all but one second", () => {
    const fraction = remainingFraction({ periodStart: JAN, periodEnd: FEB, at: JAN + 1_999 });
    expect(fraction.toString()).toBe(new Decimal(2_678_399).dividedBy(2_678_400).toString());
  });

  it("rounds each line half-up to the currency's minor unit (JPY 0 digits, KWD 3)", () => {
    const third = JAN + (FEB - JAN) / 3;
    const jpy = computePlanChangeProration({
      from: { name: "A", amount: usd("1000") },
      to: { name: "B", amount: usd("2000") },
      periodStart: JAN,
      periodEnd: FEB,
      at: third,
      currency: "JPY",
    });
    expect(jpy.map((line) => line.amount.toString())).toEqual(["-667", "1333"]);
    const kwd = computeSeatProration({
      change: 1,
      unitAmount: usd("10.000"),
      name: "seat",
      periodStart: JAN,
      periodEnd: FEB,
      at: third,
      currency: "KWD",
    });
    expect(kwd.map((line) => line.amount.toFixed(3))).toEqual(["6.667"]);
  });

  it("charges seats added and credits seats removed for the rest of the period", () => {
    const common = { unitAmount: usd("25.00"), name: "seats", periodStart: JAN, periodEnd: FEB, at: HALF };
    expect(amounts(computeSeatProration({ ...common, change: 2, currency: "USD" }))).toEqual(["25.00"]);
    expect(amounts(computeSeatProration({ ...common, change: -1, currency: "USD" }))).toEqual(["-12.50"]);
    expect(computeSeatProration({ ...common, change: 0, currency: "USD" })).toEqual([]);
  });

  it("makes no line for a side without a price (from a free plan)", () => {
    const lines = computePlanChangeProration({
      from: { name: "Free", amount: usd("0") },
      to: { name: "Pro", amount: usd("20.00") },
      periodStart: JAN,
      periodEnd: FEB,
      at: HALF,
      currency: "USD",
    });
    expect(amounts(lines)).toEqual(["10.00"]);
  });

  const instant = fc.integer({ min: JAN, max: FEB });
  const cents = fc.integer({ min: 0, max: 1_000_000 }).map((value) => new Decimal(value).dividedBy(100));

  it("prorates a change at the period's start to exactly the full prices", () => {
    fc.assert(
      fc.property(cents, cents, (from, to) => {
        const lines = computePlanChangeProration({
          from: { name: "A", amount: from },
          to: { name: "B", amount: to },
          periodStart: JAN,
          periodEnd: FEB,
          at: JAN,
          currency: "USD",
        });
        const total = lines.reduce((sum, line) => sum.plus(line.amount), new Decimal(0));
        return total.equals(to.minus(from));
      }),
    );
  });

  it("nets an upgrade and an immediate downgrade at the same instant to zero", () => {
    fc.assert(
      fc.property(cents, cents, instant, (from, to, at) => {
        const change = (a: Decimal, b: Decimal) =>
          computePlanChangeProration({
            from: { name: "A", amount: a },
            to: { name: "B", amount: b },
            periodStart: JAN,
            periodEnd: FEB,
            at,
            currency: "USD",
          });
        const total = [...change(from, to), ...change(to, from)].reduce(
          (sum, line) => sum.plus(line.amount),
          new Decimal(0),
        );
        return total.isZero();
      }),
    );
  });
});
