import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { roundMoney } from "../money";
import { type PriceTier, ratePercentage, ratePercentageOfReadings, ratePrice } from "./rate-price";

// Stripe's tiered-pricing examples: 1–5 units at 5.00, 6–10 at 4.00, beyond at 3.00.
const stripeTiers: PriceTier[] = [
  { upTo: 5, unitAmount: "5.00" },
  { upTo: 10, unitAmount: "4.00" },
  { upTo: null, unitAmount: "3.00" },
];
// Lago's examples with flat fees: 0–10 units a flat 10.00; 11–20 at 1.00 plus 5.00; beyond at 0.50 plus 2.00.
const lagoTiers: PriceTier[] = [
  { upTo: 10, unitAmount: "0", flatAmount: "10.00" },
  { upTo: 20, unitAmount: "1.00", flatAmount: "5.00" },
  { upTo: null, unitAmount: "0.50", flatAmount: "2.00" },
];

describe("ratePrice", () => {
  it.each([
    ["per_unit: quantity × unitAmount", { model: "per_unit", unitAmount: "0.20" }, 150, "30"],
    ["per_unit: fractional usage stays exact", { model: "per_unit", unitAmount: "0.0025" }, 0.5, "0.00125"],
    ["per_unit: nothing billable, nothing charged", { model: "per_unit", unitAmount: "0.20" }, 0, "0"],
    ["per_unit: a negative quantity bills as zero", { model: "per_unit", unitAmount: "0.20" }, -4, "0"],
    ["package: one started package", { model: "package", unitAmount: "5.00", packageSize: 10 }, 1, "5"],
    ["package: a full package", { model: "package", unitAmount: "5.00", packageSize: 10 }, 10, "5"],
    ["package: one unit into the next", { model: "package", unitAmount: "5.00", packageSize: 10 }, 11, "10"],
    ["package: fractional usage rounds up", { model: "package", unitAmount: "5.00", packageSize: 10 }, 10.5, "10"],
    ["package: zero packages at zero", { model: "package", unitAmount: "5.00", packageSize: 10 }, 0, "0"],
    ["graduated (Stripe): within the first tier", { model: "graduated", tiers: stripeTiers }, 3, "15"],
    ["graduated (Stripe): across all tiers", { model: "graduated", tiers: stripeTiers }, 12, "51"],
    ["graduated (Stripe): on a tier's bound", { model: "graduated", tiers: stripeTiers }, 10, "45"],
    ["graduated (Lago): the first flat fee at zero units", { model: "graduated", tiers: lagoTiers }, 0, "10"],
    ["graduated (Lago): the first tier full", { model: "graduated", tiers: lagoTiers }, 10, "10"],
    ["graduated (Lago): entering a tier adds its flat fee", { model: "graduated", tiers: lagoTiers }, 11, "16"],
    ["graduated (Lago): every tier entered", { model: "graduated", tiers: lagoTiers }, 25, "29.5"],
    ["volume (Stripe): all units at the first tier", { model: "volume", tiers: stripeTiers }, 5, "25"],
    ["volume (Stripe): all units at the second tier", { model: "volume", tiers: stripeTiers }, 6, "24"],
    ["volume (Stripe): all units at the last tier", { model: "volume", tiers: stripeTiers }, 12, "36"],
    ["volume (Lago): the first tier's flat fee at zero", { model: "volume", tiers: lagoTiers }, 0, "10"],
    ["volume (Lago): the tier's units and its flat fee", { model: "volume", tiers: lagoTiers }, 15, "20"],
    ["volume (Lago): the last tier", { model: "volume", tiers: lagoTiers }, 30, "17"],
  ] as const)("%s", (_name, price, quantity, expected) => {
    expect(ratePrice(price, quantity).toString()).toBe(expected);
  });

  it("never decreases as usage grows, for tiers of non-negative amounts (graduated)", () => {
    fc.assert(
      fc.property(fc.nat(100), fc.nat(100), (a, b) => {
        const [low, high] = a <= b ? [a, b] : [b, a];
        const price = { model: "graduated", tiers: lagoTiers } as const;
        return ratePrice(price, high).gte(ratePrice(price, low));
      }),
    );
  });

  it("prices graduated tiers as the sum of their parts: each unit at its tier, plus the flat fees entered", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), (q) => {
        let expected = 10;
        for (let unit = 1; unit <= q; unit++) expected += unit <= 10 ? 0 : unit <= 20 ? 1 : 0.5;
        if (q > 10) expected += 5;
        if (q > 20) expected += 2;
        return ratePrice({ model: "graduated", tiers: lagoTiers }, q).toNumber() === expected;
      }),
    );
  });
});

describe("ratePercentage", () => {
  const card = {
    model: "percentage",
    rate: "2.9",
    fixedAmount: "0.30",
    minPerEvent: "0.50",
    maxPerEvent: "5.00",
  } as const;

  it("takes rate% of each event plus the fixed amount, clamped per event", () => {
    // 10.00 → 0.29 + 0.30 = 0.59; 1.00 → 0.329 → 0.50 (min); 1000.00 → 29.30 → 5.00 (max).
    expect(ratePercentage(card, ["10.00", "1.00", "1000.00"]).toString()).toBe("6.09");
  });

  it("keeps fractions of a cent until the invoice line rounds them once, half-up", () => {
    const total = ratePercentage({ model: "percentage", rate: "2.5" }, [0.1, 0.1, 0.1]);
    expect(total.toString()).toBe("0.0075");
    expect(roundMoney(total, "USD").toString()).toBe("0.01");
    expect(roundMoney(ratePercentage({ model: "percentage", rate: "2.5" }, [10]), "JPY").toString()).toBe("0");
    expect(roundMoney(ratePercentage({ model: "percentage", rate: "1.5" }, ["1.001"]), "KWD").toString()).toBe("0.015");
  });

  it("charges nothing without events", () => {
    expect(ratePercentage(card, []).toString()).toBe("0");
  });

  it("prices readings grouped by value exactly as the events one by one, floats read at their decimal form", () => {
    const readings = [
      { value: 19.99, count: 3 },
      { value: 0.1, count: 7 },
      { value: 1000, count: 2 },
    ];
    const oneByOne = readings.flatMap(({ value, count }) => Array.from({ length: count }, () => String(value)));
    expect(ratePercentageOfReadings(card, readings).toString()).toBe(ratePercentage(card, oneByOne).toString());
    // 19.99 × 2.9% + 0.30 = 0.87971 (not 0.8797099999…): three of them, exact.
    expect(
      ratePercentageOfReadings({ model: "percentage", rate: "2.9", fixedAmount: "0.30" }, [readings[0]!]).toString(),
    ).toBe("2.63913");
  });
});
