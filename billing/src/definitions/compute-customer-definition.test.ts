import { describe, expect, it } from "vitest";
import { aSubscription } from "../../../test/support/builders";
import type { PlanVersion } from "../catalog/plan-record";
import { type PlanDefinitionInput, planDefinition } from "../catalog/schemas";
import type { FeatureFacts } from "../entitlements/resolve-entitlements";
import type { Grant } from "../grants/grant-record";
import type { Override } from "../overrides/override-record";
import { type CustomerDefinitionFacts, computeCustomerDefinition } from "./compute-customer-definition";

const DAY = 86_400_000;
const start = new Date("2026-01-10T00:00:00Z");
const now = new Date("2026-01-20T00:00:00Z");

function aPlan(plan: string, definition: Partial<PlanDefinitionInput>): PlanVersion {
  return {
    plan,
    version: 1,
    createdAt: start,
    definition: planDefinition.parse({ name: plan, currency: "USD", ...definition }),
  };
}

const catalog = new Map<string, FeatureFacts>([
  ["seats", { type: "gauge" }],
  ["projects", { type: "gauge" }],
  ["messages", { type: "metered" }],
  ["exports", { type: "metered" }],
  ["sso", { type: "boolean" }],
  ["ai-credits", { type: "credits", creditCosts: { messages: 5, "image-gen": 20 } }],
  ["other-credits", { type: "credits", creditCosts: { exports: 2 } }],
  ["image-gen", { type: "metered" }],
]);

const team = aPlan("team", {
  items: [
    { type: "feature", feature: "seats", price: { model: "per_unit", unitAmount: "25.00" } },
    { type: "feature", feature: "projects", included: 3 },
    { type: "feature", feature: "messages", included: 100, per: "seat", pooled: true, rollover: { max: 50 } },
    { type: "feature", feature: "exports", included: 5, trialDays: 5 },
    { type: "feature", feature: "sso", trialDays: 30 },
    { type: "feature", feature: "ai-credits", included: 1000 },
  ],
});

function facts(fields: Partial<CustomerDefinitionFacts> = {}): CustomerDefinitionFacts {
  return {
    env: "test",
    customer: { id: "acme", testClockId: null },
    version: 7,
    now,
    subscriptions: [{ sub: aSubscription({ start, end: new Date("2026-02-10T00:00:00Z") }), plan: team }],
    features: catalog,
    grants: [],
    overrides: [],
    entities: [],
    ...fields,
  };
}

function aGrant(fields: Partial<Grant> & Pick<Grant, "id">): Grant {
  return {
    customer: "acme",
    feature: "messages",
    amount: 100,
    priority: 0,
    expiresAt: null,
    reason: null,
    createdAt: start,
    voidedAt: null,
    ...fields,
  };
}

function anOverride(fields: Partial<Override> & Pick<Override, "feature">): Override {
  return {
    customer: "acme",
    enabled: true,
    included: null,
    expiresAt: null,
    createdAt: start,
    updatedAt: start,
    ...fields,
  };
}

describe("computeCustomerDefinition", () => {
  const definition = computeCustomerDefinition(facts());

  it("carries pooling and rollover of the plan item", () => {
    expect(definition.features.messages).toMatchObject({
      per: "seat",
      pooled: true,
      rollover: { max: 50 },
      subscriptionActive: true,
    });
    expect(definition.features.projects).toMatchObject({ pooled: false, rollover: null });
  });

  it("says since when the plan grants each feature, so that unused first periods roll over", () => {
    expect(definition.features.messages?.since).toBe(start.getTime());
  });

  it("gives feature trials their end in ms, and keeps an ended trial so that a check can say trial_ended", () => {
    expect(definition.features.sso?.trialEndsAt).toBe(start.getTime() + 30 * DAY);
    expect(definition.features.exports?.trialEndsAt).toBe(start.getTime() + 5 * DAY);
    expect(definition.features.projects?.trialEndsAt).toBeNull();
  });

  it("names as seat features the gauges a plan in force prices", () => {
    expect(definition.seatFeatures).toEqual(["seats"]);
  });

  it("lists the costs of every credits feature of the catalog, and no entry for features only credits reach", () => {
    expect(definition.creditCosts).toEqual({
      "ai-credits": { messages: 5, "image-gen": 20 },
      "other-credits": { exports: 2 },
    });
    expect(Object.keys(definition.features).sort()).toEqual([
      "ai-credits",
      "exports",
      "messages",
      "projects",
      "seats",
      "sso",
    ]);
  });

  it("maps every active entity to its gauge", () => {
    const seated = computeCustomerDefinition(
      facts({
        entities: [
          { id: "ada", feature: "seats" },
          { id: "repo-1", feature: "projects" },
        ],
      }),
    );
    expect(seated.entities).toEqual({ ada: "seats", "repo-1": "projects" });
  });

  it("keeps grants that ended within 366 days, with times in ms", () => {
    const grants = [
      aGrant({ id: "grt_live", expiresAt: new Date("2026-03-01T00:00:00Z"), priority: 3 }),
      aGrant({ id: "grt_recently_expired", expiresAt: new Date(now.getTime() - 366 * DAY) }),
      aGrant({ id: "grt_long_expired", expiresAt: new Date(now.getTime() - 366 * DAY - 1) }),
      aGrant({ id: "grt_recently_voided", voidedAt: new Date(now.getTime() - 30 * DAY) }),
      aGrant({ id: "grt_long_voided", voidedAt: new Date(now.getTime() - 400 * DAY) }),
    ];
    const { grants: kept } = computeCustomerDefinition(facts({ grants }));
    expect(kept.map((grant) => grant.id)).toEqual(["grt_live", "grt_recently_expired", "grt_recently_voided"]);
    expect(kept[0]).toEqual({
      id: "grt_live",
      feature: "messages",
      amount: 100,
      priority: 3,
      expiresAt: Date.parse("2026-03-01T00:00:00Z"),
      createdAt: start.getTime(),
      voidedAt: null,
    });
    expect(kept[2]?.voidedAt).toBe(now.getTime() - 30 * DAY);
  });

  it("keys overrides by feature, times in ms, leaving out an allowance the override does not replace", () => {
    const { overrides } = computeCustomerDefinition(
      facts({
        overrides: [
          anOverride({ feature: "messages", included: "unlimited", expiresAt: new Date("2026-02-01T00:00:00Z") }),
          anOverride({ feature: "sso", enabled: false }),
          anOverride({ feature: "exports", included: 0 }),
        ],
      }),
    );
    expect(overrides).toEqual({
      messages: {
        feature: "messages",
        enabled: true,
        included: "unlimited",
        expiresAt: Date.parse("2026-02-01T00:00:00Z"),
      },
      sso: { feature: "sso", enabled: false, expiresAt: null },
      exports: { feature: "exports", enabled: true, included: 0, expiresAt: null },
    });
    expect("included" in (overrides.sso ?? {})).toBe(false);
  });

  it("stacks an add-on's allowance and rollover on the base plan's", () => {
    const addOn = aPlan("more-messages", {
      addOn: true,
      items: [{ type: "feature", feature: "messages", included: 20, rollover: { max: 10 } }],
    });
    const stacked = computeCustomerDefinition(
      facts({
        subscriptions: [
          ...facts().subscriptions,
          {
            sub: aSubscription({ id: "sub_2", start, end: new Date("2026-02-10T00:00:00Z"), addOn: true }),
            plan: addOn,
          },
        ],
      }),
    );
    expect(stacked.features.messages).toMatchObject({ included: 120, rollover: { max: 60 }, pooled: true });
  });

  it("describes a customer without subscriptions as existing with nothing granted", () => {
    const bare = computeCustomerDefinition(
      facts({ subscriptions: [], customer: { id: "acme", testClockId: "clk_1" } }),
    );
    expect(bare).toMatchObject({
      exists: true,
      testClock: "clk_1",
      billingPeriod: null,
      features: {},
      seatFeatures: [],
    });
    expect(Object.keys(bare.creditCosts)).toEqual(["ai-credits", "other-credits"]);
  });
});
