import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  createFeatureInput,
  createPlanInput,
  meter,
  migratePlanInput,
  normalizePlanDefinition,
  planDefinition,
  planDefinitionsEqual,
  updateFeatureInput,
  updatePlanInput,
} from "./schemas";

/** The error paths a body gets back; an unknown field is reported at its own path ("items.0.foo"). */
function errorPaths(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  if (result.success) return [];
  return result.error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => [...issue.path, key].join("."))
      : [issue.path.map(String).join(".")],
  );
}

const plan = (overrides: Record<string, unknown> = {}) => ({ name: "Team", currency: "USD", ...overrides });

/** A plan whose third item (items.2) is a metered feature with `price`. */
const planWithPrice = (price: unknown) =>
  plan({
    items: [
      { type: "fixed", amount: "20.00" },
      { type: "one_time", amount: "99.00" },
      { type: "feature", feature: "messages", included: 100, price },
    ],
  });

describe("price models", () => {
  const valid: [string, unknown][] = [
    ["per_unit", { model: "per_unit", unitAmount: "0.20" }],
    ["per_unit at zero", { model: "per_unit", unitAmount: "0" }],
    ["package", { model: "package", unitAmount: "5.00", packageSize: 1000 }],
    [
      "graduated with flat fees",
      {
        model: "graduated",
        tiers: [
          { upTo: 100, unitAmount: "0.10", flatAmount: "5.00" },
          { upTo: 1000.5, unitAmount: "0.05" },
          { upTo: null, unitAmount: "0.0025" },
        ],
      },
    ],
    ["graduated with one open tier", { model: "graduated", tiers: [{ upTo: null, flatAmount: "10" }] }],
    [
      "volume",
      {
        model: "volume",
        tiers: [
          { upTo: 1000, unitAmount: "0.10" },
          { upTo: null, flatAmount: "50" },
        ],
      },
    ],
    ["percentage", { model: "percentage", rate: "2.9", fixedAmount: "0.30" }],
    ["percentage at 0 and 100", { model: "percentage", rate: "100" }],
    ["percentage with min = max", { model: "percentage", rate: "0", minPerEvent: "1.00", maxPerEvent: "1" }],
  ];
  it.each(valid)("accepts a %s price", (_name, price) => {
    expect(errorPaths(planDefinition, planWithPrice(price))).toEqual([]);
  });

  const tier = (upTo: number | null) => ({ upTo, unitAmount: "1.00" });
  const invalid: [string, unknown, string[]][] = [
    ["tiers not ascending", { model: "graduated", tiers: [tier(100), tier(100), tier(null)] }, ["tiers.1.upTo"]],
    ["tiers descending", { model: "volume", tiers: [tier(200), tier(100), tier(null)] }, ["tiers.1.upTo"]],
    ["a last upTo that is not null", { model: "graduated", tiers: [tier(100), tier(200)] }, ["tiers.1.upTo"]],
    ["a null upTo in the middle", { model: "graduated", tiers: [tier(100), tier(null), tier(null)] }, ["tiers.1.upTo"]],
    ["no tiers", { model: "volume", tiers: [] }, ["tiers"]],
    ["a tier without any amount", { model: "graduated", tiers: [{ upTo: null }] }, ["tiers.0.unitAmount"]],
    ["a zero upTo", { model: "graduated", tiers: [tier(0), tier(null)] }, ["tiers.0.upTo"]],
    ["an omitted upTo", { model: "graduated", tiers: [{ unitAmount: "1" }] }, ["tiers.0.upTo"]],
    [
      "a negative flat amount",
      { model: "graduated", tiers: [{ upTo: null, flatAmount: "-5.00" }] },
      ["tiers.0.flatAmount"],
    ],
    ["a negative unit amount", { model: "per_unit", unitAmount: "-0.20" }, ["unitAmount"]],
    ["an exponent amount", { model: "per_unit", unitAmount: "1e3" }, ["unitAmount"]],
    ["a float amount", { model: "per_unit", unitAmount: 20.5 }, ["unitAmount"]],
    ["a bare-dot amount", { model: "package", unitAmount: ".5", packageSize: 10 }, ["unitAmount"]],
    ["a zero packageSize", { model: "package", unitAmount: "5.00", packageSize: 0 }, ["packageSize"]],
    ["a fractional packageSize", { model: "package", unitAmount: "5.00", packageSize: 2.5 }, ["packageSize"]],
    ["a missing packageSize", { model: "package", unitAmount: "5.00" }, ["packageSize"]],
    ["a rate of 101", { model: "percentage", rate: "101" }, ["rate"]],
    ["a negative rate", { model: "percentage", rate: "-1" }, ["rate"]],
    ["a rate as a number", { model: "percentage", rate: 2.9 }, ["rate"]],
    [
      "minPerEvent above maxPerEvent",
      { model: "percentage", rate: "2.9", minPerEvent: "1.00", maxPerEvent: "0.50" },
      ["maxPerEvent"],
    ],
    ["an unknown model", { model: "flat", amount: "5" }, ["model"]],
    ["an unknown field", { model: "per_unit", unitAmount: "1", currency: "USD" }, ["currency"]],
    ["another model's field", { model: "per_unit", unitAmount: "1", tiers: [tier(null)] }, ["tiers"]],
    ["an unknown tier field", { model: "volume", tiers: [{ upTo: null, unitAmount: "1", from: 0 }] }, ["tiers.0.from"]],
  ];
  it.each(invalid)("rejects %s at the field", (_name, price, paths) => {
    expect(errorPaths(planDefinition, planWithPrice(price))).toEqual(paths.map((path) => `items.2.price.${path}`));
  });

  it("accepts any strictly ascending tiers ending in null, and rejects them out of order", () => {
    const bounds = fc.uniqueArray(fc.integer({ min: 1, max: 1_000_000 }), { minLength: 2, maxLength: 8 });
    fc.assert(
      fc.property(bounds, (upTos) => {
        const ascending = [...upTos].sort((a, b) => a - b);
        const tiers = (list: number[]) => [...list.map(tier), tier(null)];
        expect(errorPaths(planDefinition, planWithPrice({ model: "graduated", tiers: tiers(ascending) }))).toEqual([]);
        const swapped = [ascending[1]!, ascending[0]!, ...ascending.slice(2)];
        expect(errorPaths(planDefinition, planWithPrice({ model: "volume", tiers: tiers(swapped) }))).toEqual([
          "items.2.price.tiers.1.upTo",
        ]);
      }),
    );
  });
});

describe("meters", () => {
  const cases: [string, unknown, string[]][] = [
    ["a count meter without property", { event: "message", aggregation: "count" }, []],
    [
      "a filtered count meter",
      {
        event: "message",
        aggregation: "count",
        filter: { model: ["gpt-5", "o3"], cached: [false], tier: [2] },
      },
      [],
    ],
    ["a sum meter with its property", { event: "payment", aggregation: "sum", property: "amount" }, []],
    ["a count meter with a property", { event: "message", aggregation: "count", property: "tokens" }, ["property"]],
    ["a sum meter without property", { event: "payment", aggregation: "sum" }, ["property"]],
    ["a max meter without property", { event: "storage", aggregation: "max" }, ["property"]],
    ["a latest meter without property", { event: "storage", aggregation: "latest" }, ["property"]],
    ["a unique_count meter without property", { event: "login", aggregation: "unique_count" }, ["property"]],
    ["an empty event name", { event: "", aggregation: "count" }, ["event"]],
    ["an unknown aggregation", { event: "message", aggregation: "avg", property: "x" }, ["aggregation"]],
    ["an empty filter list", { event: "message", aggregation: "count", filter: { model: [] } }, ["filter.model"]],
    [
      "an object filter value",
      { event: "message", aggregation: "count", filter: { model: [{ name: "o3" }] } },
      ["filter.model.0"],
    ],
    ["an unknown field", { event: "message", aggregation: "count", window: "1h" }, ["window"]],
  ];
  it.each(cases)("%s", (_name, input, paths) => {
    expect(errorPaths(meter, input)).toEqual(paths);
  });
});

describe("features", () => {
  const feature = (overrides: Record<string, unknown>) => ({
    id: "premium-messages",
    name: "Premium",
    ...overrides,
  });
  const cases: [string, unknown, string[]][] = [
    ["a boolean feature", feature({ type: "boolean", metadata: { team: "growth" } }), []],
    ["a metered feature without meter", feature({ type: "metered", unit: "message" }), []],
    [
      "a metered feature with meter",
      feature({ type: "metered", meter: { event: "message", aggregation: "count" } }),
      [],
    ],
    ["a gauge feature", feature({ type: "gauge" }), []],
    ["a credits feature", feature({ type: "credits", creditCosts: { "premium-messages": 5, cheap: 0.5 } }), []],
    ["a meter on a gauge", feature({ type: "gauge", meter: { event: "seat", aggregation: "count" } }), ["meter"]],
    ["a credits feature without creditCosts", feature({ type: "credits" }), ["creditCosts"]],
    ["a credits feature with empty creditCosts", feature({ type: "credits", creditCosts: {} }), ["creditCosts"]],
    ["creditCosts on a metered feature", feature({ type: "metered", creditCosts: { x: 1 } }), ["creditCosts"]],
    ["a zero credit cost", feature({ type: "credits", creditCosts: { x: 0 } }), ["creditCosts.x"]],
    ["a negative credit cost", feature({ type: "credits", creditCosts: { x: -1 } }), ["creditCosts.x"]],
    [
      "an invalid feature id in creditCosts",
      feature({ type: "credits", creditCosts: { "a b": 1 } }),
      ["creditCosts.a b"],
    ],
    ["an invalid id", feature({ id: "has space", type: "boolean" }), ["id"]],
    ["an unknown type", feature({ type: "toggle" }), ["type"]],
    ["a non-string metadata value", feature({ type: "boolean", metadata: { tier: 1 } }), ["metadata.tier"]],
    ["an unknown field", feature({ type: "boolean", price: "1.00" }), ["price"]],
  ];
  it.each(cases)("create: %s", (_name, input, paths) => {
    expect(errorPaths(createFeatureInput, input)).toEqual(paths);
  });

  const patches: [string, unknown, string[]][] = [
    ["a rename", { name: "Premium model messages" }, []],
    ["an empty patch", {}, []],
    ["a new meter and unit", { meter: { event: "message", aggregation: "count" }, unit: "message" }, []],
    ["new credit costs", { creditCosts: { "premium-messages": 4 } }, []],
    ["a type change", { type: "gauge" }, ["type"]],
    ["an id change", { id: "other" }, ["id"]],
    ["empty creditCosts", { creditCosts: {} }, ["creditCosts"]],
    ["an invalid meter", { meter: { event: "payment", aggregation: "sum" } }, ["meter.property"]],
  ];
  it.each(patches)("patch: %s", (_name, input, paths) => {
    expect(errorPaths(updateFeatureInput, input)).toEqual(paths);
  });
});

describe("plan items", () => {
  const item = (overrides: Record<string, unknown>) =>
    plan({ items: [{ type: "feature", feature: "messages", ...overrides }] });
  const perUnit = { model: "per_unit", unitAmount: "0.20" };
  const cases: [string, unknown, string[]][] = [
    ["an unlimited allowance", item({ included: "unlimited" }), []],
    ["a pooled per-seat allowance", item({ included: 100, per: "seat", pooled: true }), []],
    ["a capped price", item({ included: 100, price: perUnit, usageLimit: 5000, billingInterval: "month" }), []],
    ["a rollover", item({ included: 100, reset: "month", rollover: { max: 500 } }), []],
    ["a feature trial", item({ trialDays: 14 }), []],
    ["pooled without per seat", item({ pooled: true }), ["items.0.pooled"]],
    ["usageLimit without price", item({ included: 100, usageLimit: 500 }), ["items.0.usageLimit"]],
    ["usageLimit under included", item({ included: 100, price: perUnit, usageLimit: 100 }), ["items.0.usageLimit"]],
    ["a zero usageLimit", item({ price: perUnit, usageLimit: 0 }), ["items.0.usageLimit"]],
    ["billingInterval without price", item({ billingInterval: "month" }), ["items.0.billingInterval"]],
    ["a price on an unlimited allowance", item({ included: "unlimited", price: perUnit }), ["items.0.price"]],
    [
      "a rollover of an unlimited allowance",
      item({ included: "unlimited", rollover: { max: 1 } }),
      ["items.0.rollover"],
    ],
    ["a rollover that never resets", item({ included: 5, reset: "never", rollover: { max: 1 } }), ["items.0.rollover"]],
    ["a negative rollover max", item({ included: 5, rollover: { max: -1 } }), ["items.0.rollover.max"]],
    ["a negative included", item({ included: -1 }), ["items.0.included"]],
    ["a word for included", item({ included: "lots" }), ["items.0.included"]],
    ["an unknown reset", item({ reset: "hour" }), ["items.0.reset"]],
    ["an unknown per", item({ per: "team" }), ["items.0.per"]],
    ["a zero trialDays", item({ trialDays: 0 }), ["items.0.trialDays"]],
    ["a fractional trialDays", item({ trialDays: 1.5 }), ["items.0.trialDays"]],
    ["an invalid feature id", item({ feature: "" }), ["items.0.feature"]],
    ["an unknown item field", item({ quantity: 1 }), ["items.0.quantity"]],
    ["an unknown item type", plan({ items: [{ type: "discount", amount: "5" }] }), ["items.0.type"]],
    ["a float fixed amount", plan({ items: [{ type: "fixed", amount: 20.5 }] }), ["items.0.amount"]],
    ["an exponent fixed amount", plan({ items: [{ type: "fixed", amount: "1e3" }] }), ["items.0.amount"]],
    ["a negative setup fee", plan({ items: [{ type: "one_time", amount: "-1" }] }), ["items.0.amount"]],
    [
      "a billingInterval on a one-time fee",
      plan({ items: [{ type: "one_time", amount: "99", billingInterval: "month" }] }),
      ["items.0.billingInterval"],
    ],
    [
      "a daily fixed fee",
      plan({ items: [{ type: "fixed", amount: "1", billingInterval: "day" }] }),
      ["items.0.billingInterval"],
    ],
  ];
  it.each(cases)("%s", (_name, input, paths) => {
    expect(errorPaths(planDefinition, input)).toEqual(paths);
  });
});

describe("plan definitions", () => {
  const teamPlan = {
    id: "team",
    name: "Team",
    currency: "USD",
    interval: "month",
    group: "main",
    default: false,
    addOn: false,
    trialDays: 0,
    items: [
      { type: "fixed", amount: "20.00" },
      { type: "feature", feature: "seats", price: { model: "per_unit", unitAmount: "25.00" } },
      {
        type: "feature",
        feature: "premium-messages",
        included: 100,
        per: "seat",
        reset: "month",
        price: { model: "per_unit", unitAmount: "0.20" },
      },
      { type: "feature", feature: "advanced-analytics" },
      { type: "feature", feature: "api-calls", included: 5000, reset: "day" },
    ],
  };
  const { id: _id, ...teamDefinition } = teamPlan;
  const feature = (id: string) => ({ type: "feature", feature: id });

  const cases: [string, z.ZodType, unknown, string[]][] = [
    ["the PRODUCT example", createPlanInput, teamPlan, []],
    ["the PRODUCT example as a PUT body", updatePlanInput, teamDefinition, []],
    ["a plan with no items", planDefinition, plan(), []],
    [
      "monthly usage on a yearly plan",
      planDefinition,
      plan({
        interval: "year",
        items: [
          { type: "fixed", amount: "10", billingInterval: "month" },
          { ...feature("x"), price: { model: "per_unit", unitAmount: "1" }, billingInterval: "quarter" },
        ],
      }),
      [],
    ],
    ["an id in a PUT body", updatePlanInput, teamPlan, ["id"]],
    ["a create without id", createPlanInput, teamDefinition, ["id"]],
    [
      "a feature in two items",
      planDefinition,
      plan({ items: [feature("a"), feature("b"), feature("c"), feature("a")] }),
      ["items.3.feature"],
    ],
    ["101 items", planDefinition, plan({ items: Array.from({ length: 101 }, (_, i) => feature(`f${i}`)) }), ["items"]],
    [
      "an item billed less often than its plan",
      planDefinition,
      plan({ items: [{ type: "fixed", amount: "100", billingInterval: "year" }] }),
      ["items.0.billingInterval"],
    ],
    [
      "weekly billing on a monthly plan",
      planDefinition,
      plan({ items: [{ type: "fixed", amount: "5", billingInterval: "week" }] }),
      ["items.0.billingInterval"],
    ],
    ["a lowercase currency", planDefinition, plan({ currency: "usd" }), ["currency"]],
    ["a made-up currency", planDefinition, plan({ currency: "XYZ" }), ["currency"]],
    ["a daily plan", planDefinition, plan({ interval: "day" }), ["interval"]],
    ["a negative trial", planDefinition, plan({ trialDays: -1 }), ["trialDays"]],
    ["an empty group", planDefinition, plan({ group: "" }), ["group"]],
    ["a missing name", planDefinition, { currency: "USD" }, ["name"]],
    ["an unknown field", planDefinition, plan({ prices: [] }), ["prices"]],
  ];
  it.each(cases)("%s", (_name, schema, input, paths) => {
    expect(errorPaths(schema, input)).toEqual(paths);
  });

  it("applies every default", () => {
    expect(normalizePlanDefinition(plan({ items: [feature("sso"), { type: "fixed", amount: "20.00" }] }))).toEqual({
      name: "Team",
      currency: "USD",
      interval: "month",
      group: "main",
      default: false,
      addOn: false,
      trialDays: 0,
      metadata: {},
      items: [
        {
          type: "feature",
          feature: "sso",
          included: 0,
          reset: "billing_period",
          per: "customer",
          pooled: false,
        },
        { type: "fixed", amount: "20.00" },
      ],
    });
  });

  it("throws on an invalid definition", () => {
    expect(() => normalizePlanDefinition(plan({ currency: "usd" }))).toThrow();
  });

  const minimal = plan({ items: [feature("sso"), { type: "fixed", amount: "20.00" }] });
  const explicit = {
    items: [
      {
        pooled: false,
        per: "customer",
        reset: "billing_period",
        included: 0,
        feature: "sso",
        type: "feature",
      },
      { amount: "20.00", type: "fixed" },
    ],
    metadata: {},
    trialDays: 0,
    addOn: false,
    default: false,
    group: "main",
    interval: "month",
    currency: "USD",
    name: "Team",
  };
  const unchanged: [string, unknown, unknown][] = [
    ["omitted defaults vs explicit defaults in another key order", minimal, explicit],
    ["a stored (normalised) version vs the same PUT body", normalizePlanDefinition(minimal), minimal],
  ];
  it.each(unchanged)("sees %s as unchanged", (_name, a, b) => {
    expect(planDefinitionsEqual(a as never, b as never)).toBe(true);
  });

  const changed: [string, unknown][] = [
    ["a changed amount", plan({ items: [feature("sso"), { type: "fixed", amount: "25.00" }] })],
    ["a respelled amount", plan({ items: [feature("sso"), { type: "fixed", amount: "20" }] })],
    ["reordered items", plan({ items: [{ type: "fixed", amount: "20.00" }, feature("sso")] })],
    ["a default changed", { ...explicit, interval: "year" }],
    ["an added metadata key", { ...explicit, metadata: { tier: "b" } }],
    ["a stored definition that no longer parses", { ...explicit, legacy: true }],
  ];
  it.each(changed)("sees %s as a new version", (_name, other) => {
    expect(planDefinitionsEqual(minimal, other as never)).toBe(false);
    expect(planDefinitionsEqual(other as never, minimal)).toBe(false);
  });
});

describe("plan migration", () => {
  it("defaults to the next period", () => {
    expect(migratePlanInput.parse({ fromVersion: 1, toVersion: 2 })).toEqual({
      fromVersion: 1,
      toVersion: 2,
      when: "next_period",
    });
  });

  const cases: [string, unknown, string[]][] = [
    ["a move back to an older version now", { fromVersion: 3, toVersion: 1, when: "now" }, []],
    ["the same version", { fromVersion: 2, toVersion: 2 }, ["toVersion"]],
    ["version 0", { fromVersion: 0, toVersion: 2 }, ["fromVersion"]],
    ["a fractional version", { fromVersion: 1, toVersion: 1.5 }, ["toVersion"]],
    ["an unknown when", { fromVersion: 1, toVersion: 2, when: "tomorrow" }, ["when"]],
    ["an unknown field", { fromVersion: 1, toVersion: 2, prorate: true }, ["prorate"]],
  ];
  it.each(cases)("%s", (_name, input, paths) => {
    expect(errorPaths(migratePlanInput, input)).toEqual(paths);
  });
});
