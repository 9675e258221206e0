import { describe, expect, it } from "vitest";
import { checkFeatureAgainstFeatures, checkPlanAgainstFeatures, type FeatureFacts, findSeatItem } from "./plan-rules";
import { normalizePlanDefinition } from "./schemas";

const catalog = new Map<string, FeatureFacts>([
  ["seats", { type: "gauge", archived: false }],
  ["projects", { type: "gauge", archived: false }],
  ["premium-messages", { type: "metered", meter: { aggregation: "count" }, archived: false }],
  ["api-calls", { type: "metered", archived: false }],
  ["payments", { type: "metered", meter: { aggregation: "sum" }, archived: false }],
  ["advanced-analytics", { type: "boolean", archived: false }],
  ["ai-credits", { type: "credits", archived: false }],
  ["legacy-exports", { type: "metered", archived: true }],
]);

const plan = (...items: Record<string, unknown>[]) => normalizePlanDefinition({ name: "Team", currency: "USD", items });
const item = (feature: string, overrides: Record<string, unknown> = {}) => ({
  type: "feature",
  feature,
  ...overrides,
});
const perUnit = (unitAmount: string) => ({ model: "per_unit", unitAmount });
const seatItem = item("seats", { price: perUnit("25.00") });

describe("checkPlanAgainstFeatures", () => {
  const cases: [string, ReturnType<typeof plan>, string[]][] = [
    [
      "accepts the PRODUCT example plan",
      plan(
        { type: "fixed", amount: "20.00" },
        seatItem,
        item("premium-messages", { included: 100, per: "seat", reset: "month", price: perUnit("0.20") }),
        item("advanced-analytics"),
        item("api-calls", { included: 5000, reset: "day" }),
      ),
      [],
    ],
    ["rejects an unknown feature", plan(item("sso")), ["items.0.feature"]],
    ["rejects an archived feature", plan(seatItem, item("legacy-exports")), ["items.1.feature"]],
    ["accepts a boolean feature with a trial", plan(item("advanced-analytics", { trialDays: 14 })), []],
    ["accepts a boolean feature with included 0 spelled out", plan(item("advanced-analytics", { included: 0 })), []],
    [
      "rejects an allowance on a boolean feature",
      plan(item("advanced-analytics", { included: 5 })),
      ["items.0.included"],
    ],
    [
      "rejects an unlimited allowance on a boolean feature",
      plan(item("advanced-analytics", { included: "unlimited" })),
      ["items.0.included"],
    ],
    ["rejects a reset on a boolean feature", plan(item("advanced-analytics", { reset: "month" })), ["items.0.reset"]],
    [
      "rejects a price and usageLimit on a boolean feature",
      plan(item("advanced-analytics", { price: perUnit("1"), usageLimit: 10 })),
      ["items.0.price", "items.0.usageLimit"],
    ],
    [
      "rejects a per-seat boolean feature",
      plan(seatItem, item("advanced-analytics", { per: "seat" })),
      ["items.1.per"],
    ],
    [
      "rejects a rollover on a boolean feature",
      plan(item("advanced-analytics", { rollover: { max: 1 } })),
      ["items.0.rollover"],
    ],
    ["accepts free units of a gauge", plan(item("seats", { included: 3, price: perUnit("10") })), []],
    ["accepts a gauge that never resets", plan(item("projects", { included: 5, reset: "never" })), []],
    ["rejects a monthly reset of a gauge", plan(item("projects", { included: 5, reset: "month" })), ["items.0.reset"]],
    [
      "rejects a rollover of a gauge",
      plan(item("projects", { included: 5, rollover: { max: 2 } })),
      ["items.0.rollover"],
    ],
    [
      "accepts a percentage price on a sum meter",
      plan(item("payments", { price: { model: "percentage", rate: "2.9", fixedAmount: "0.30" } })),
      [],
    ],
    [
      "rejects a percentage price on a count meter",
      plan(item("premium-messages", { price: { model: "percentage", rate: "1" } })),
      ["items.0.price.model"],
    ],
    [
      "rejects a percentage price on a metered feature without meter",
      plan(item("api-calls", { price: { model: "percentage", rate: "1" } })),
      ["items.0.price.model"],
    ],
    [
      "rejects a percentage price on a gauge",
      plan(item("seats", { price: { model: "percentage", rate: "1" } })),
      ["items.0.price.model"],
    ],
    [
      "rejects per seat without a seat item",
      plan(item("premium-messages", { included: 100, per: "seat" })),
      ["items.0.per"],
    ],
    [
      "rejects per seat when the only gauge is unpriced",
      plan(item("projects", { included: 5 }), item("premium-messages", { included: 100, per: "seat" })),
      ["items.1.per"],
    ],
    [
      "rejects per seat when the only priced gauge is itself per seat",
      plan(item("projects", { per: "seat", price: perUnit("1") })),
      ["items.0.per"],
    ],
    [
      "accepts a pooled per-seat allowance with a seat item after it",
      plan(item("premium-messages", { included: 100, per: "seat", pooled: true }), seatItem),
      [],
    ],
  ];
  it.each(cases)("%s", (_name, definition, paths) => {
    expect(checkPlanAgainstFeatures(definition, catalog).map((detail) => detail.path)).toEqual(paths);
  });

  it("names the missing feature in the message", () => {
    expect(checkPlanAgainstFeatures(plan(item("sso")), catalog)).toEqual([
      { path: "items.0.feature", message: "no feature with id 'sso'" },
    ]);
  });
});

describe("findSeatItem", () => {
  it("finds the first priced per-customer gauge item", () => {
    const definition = plan(item("projects", { included: 5 }), seatItem, item("premium-messages"));
    expect(findSeatItem(definition, catalog)).toMatchObject({ feature: "seats" });
  });

  it("finds none in a plan without a priced gauge", () => {
    expect(findSeatItem(plan(item("premium-messages", { price: perUnit("1") })), catalog)).toBeUndefined();
  });
});

describe("checkFeatureAgainstFeatures", () => {
  const cases: [string, Record<string, number> | undefined, string[]][] = [
    ["accepts credit costs of metered features", { "premium-messages": 5, "api-calls": 1 }, []],
    ["accepts a feature without credit costs", undefined, []],
    ["rejects an unknown feature", { "premium-messages": 5, "cheap-messages": 1 }, ["creditCosts.cheap-messages"]],
    ["rejects an archived feature", { "legacy-exports": 1 }, ["creditCosts.legacy-exports"]],
    ["rejects a gauge", { seats: 1 }, ["creditCosts.seats"]],
    ["rejects a boolean feature", { "advanced-analytics": 1 }, ["creditCosts.advanced-analytics"]],
    ["rejects a credits feature drawing on credits", { "ai-credits": 1 }, ["creditCosts.ai-credits"]],
  ];
  it.each(cases)("%s", (_name, creditCosts, paths) => {
    expect(checkFeatureAgainstFeatures({ creditCosts }, catalog).map((detail) => detail.path)).toEqual(paths);
  });
});
