import { Decimal } from "@lumen/core";
import { describe, expect, it } from "vitest";
import { monthlyAmount, toMonthly } from "./plan-price";
import type { FeatureFacts } from "./plan-rules";
import { normalizePlanDefinition } from "./schemas";

const features = new Map<string, FeatureFacts>([
  ["seats", { type: "gauge", archived: false }],
  ["projects", { type: "gauge", archived: false }],
  ["messages", { type: "metered", archived: false }],
]);

const plan = (interval: string, ...items: Record<string, unknown>[]) =>
  normalizePlanDefinition({ name: "Plan", currency: "USD", interval, items });
const fixed = (amount: string, billingInterval?: string) => ({ type: "fixed", amount, billingInterval });
const seats = (unitAmount: string, overrides: Record<string, unknown> = {}) => ({
  type: "feature",
  feature: "seats",
  price: { model: "per_unit", unitAmount },
  ...overrides,
});

describe("monthlyAmount", () => {
  const cases: [string, ReturnType<typeof plan>, number, string][] = [
    ["a monthly fee as is", plan("month", fixed("20.00")), 0, "20"],
    ["a weekly fee times 52/12", plan("week", fixed("12.00")), 0, "52"],
    ["a quarterly fee over 3", plan("quarter", fixed("30.00")), 0, "10"],
    ["a yearly fee over 12", plan("year", fixed("120.00")), 0, "10"],
    ["a plan without fixed fees as zero", plan("month"), 3, "0"],
    ["each item at its own billing interval", plan("year", fixed("120"), fixed("5", "month")), 0, "15"],
    [
      "one-time fees and usage prices out",
      plan(
        "month",
        fixed("20"),
        { type: "one_time", amount: "500" },
        {
          type: "feature",
          feature: "messages",
          included: 100,
          price: { model: "per_unit", unitAmount: "0.20" },
        },
      ),
      0,
      "20",
    ],
    ["the seat price times seats", plan("month", fixed("20.00"), seats("25.00")), 3, "95"],
    ["no seat price at zero seats", plan("month", fixed("20.00"), seats("25.00")), 0, "20"],
    ["only seats beyond the included ones", plan("month", seats("10", { included: 2 })), 5, "30"],
    ["nothing when seats are within the included ones", plan("month", seats("10", { included: 5 })), 2, "0"],
    ["a yearly seat price over 12", plan("year", seats("120")), 2, "20"],
    ["a monthly-billed seat on a yearly plan", plan("year", seats("12", { billingInterval: "month" })), 2, "24"],
    [
      "seat packages rounded up",
      plan("month", {
        type: "feature",
        feature: "seats",
        price: { model: "package", unitAmount: "50", packageSize: 5 },
      }),
      7,
      "100",
    ],
    [
      "graduated seat tiers: 5 seats at 10, the rest at 8",
      plan("month", {
        type: "feature",
        feature: "seats",
        price: {
          model: "graduated",
          tiers: [
            { upTo: 5, unitAmount: "10" },
            { upTo: null, unitAmount: "8" },
          ],
        },
      }),
      7,
      "66",
    ],
    [
      "volume seat tiers: all 7 seats at the second tier",
      plan("month", {
        type: "feature",
        feature: "seats",
        price: {
          model: "volume",
          tiers: [
            { upTo: 5, unitAmount: "10" },
            { upTo: null, unitAmount: "8" },
          ],
        },
      }),
      7,
      "56",
    ],
    [
      "an unpriced gauge and a per-seat allowance out",
      plan("month", { type: "feature", feature: "projects", included: 3 }, seats("8"), {
        type: "feature",
        feature: "messages",
        included: 10,
        per: "seat",
      }),
      4,
      "32",
    ],
  ];
  it.each(cases)("counts %s", (_name, definition, seatCount, expected) => {
    expect(monthlyAmount(definition, { seats: seatCount, features }).toString()).toBe(expected);
  });

  it("keeps a weekly fee exact to the Decimal's precision, with no float rounding", () => {
    const amount = monthlyAmount(plan("week", fixed("10.00")), { seats: 0, features });
    expect(amount.equals(new Decimal(520).dividedBy(12))).toBe(true);
    expect(amount.toFixed(2)).toBe("43.33");
  });

  it("tells an annual discount from a monthly plan", () => {
    const monthly = monthlyAmount(plan("month", fixed("10.00")), { seats: 0, features });
    const annual = monthlyAmount(plan("year", fixed("100.00")), { seats: 0, features });
    expect(annual.lt(monthly)).toBe(true);
  });

  it.each([-1, 1.5, Number.NaN])("refuses %s seats", (seatCount) => {
    expect(() => monthlyAmount(plan("month"), { seats: seatCount, features })).toThrow(/whole number of seats/);
  });
});

describe("toMonthly", () => {
  it.each([
    ["week", "12", "52"],
    ["month", "7.5", "7.5"],
    ["quarter", "0.03", "0.01"],
    ["year", "1.20", "0.1"],
  ] as const)("normalises a %s amount", (interval, amount, expected) => {
    expect(toMonthly(new Decimal(amount), interval).toString()).toBe(expected);
  });
});
