import { describe, expect, it } from "vitest";
import type { CustomerDefinition } from "../pipeline/definitions";
import type { UsageCounter } from "../pipeline/messages";
import { type BalanceState, checkEntitlement, type PendingUsage } from "./balance";
import { type CheckResponse, checkResponseOf, type FeatureUsage, summarizeUsage } from "./responses";
import { aCustomerDefinition, aGrant, aMonth, anEntitlement, aSeatChatCustomer, aUsageCounter } from "./testing";
import type { CheckResult } from "./types";

const DAY = 86_400_000;
const AT = aMonth(1).start + 14 * DAY;
const JANUARY = { periodStart: "2026-01-01T00:00:00.000Z", periodEnd: "2026-02-01T00:00:00.000Z" };

function stateOf(
  definition: CustomerDefinition | undefined,
  counters: UsageCounter[] = [],
  pending: PendingUsage[] = [],
): BalanceState {
  return { definition, counters, ledgers: [], pending };
}

function rowOf(summary: FeatureUsage[], feature: string): FeatureUsage | undefined {
  return summary.find((row) => row.feature === feature);
}

/** January: user_1 150 premium messages, user_2 30, user_3 none; 2100 cheap ones between user_1 and user_2. */
const chatUsage: UsageCounter[] = [
  aUsageCounter({ feature: "premium-messages", value: 180 }),
  aUsageCounter({ feature: "premium-messages", entity: "user_1", value: 150 }),
  aUsageCounter({ feature: "premium-messages", entity: "user_2", value: 30 }),
  aUsageCounter({ feature: "cheap-messages", value: 2100 }),
  aUsageCounter({ feature: "cheap-messages", entity: "user_1", value: 1500 }),
  aUsageCounter({ feature: "cheap-messages", entity: "user_2", value: 600 }),
];

describe("checkResponseOf", () => {
  it("answers the PRODUCT §9 body for a seat of the chat plan", () => {
    const state = stateOf(aSeatChatCustomer(), chatUsage);
    const result = checkEntitlement({ state, feature: "premium-messages", entity: "user_1", quantity: 1, at: AT });
    expect(
      checkResponseOf({ result, customer: "acme", feature: "premium-messages", entity: "user_1", asOf: AT - 5 }),
    ).toEqual<CheckResponse>({
      allowed: true,
      customer: "acme",
      feature: "premium-messages",
      entity: "user_1",
      type: "metered",
      unlimited: false,
      included: 100,
      used: 150,
      balance: -50,
      overageAllowed: true,
      usageLimit: null,
      ...JANUARY,
      resetsAt: JANUARY.periodEnd,
      reason: null,
      asOf: "2026-01-14T23:59:59.995Z",
    });
  });

  it("answers a denial before the allowance is known with nulls", () => {
    const result = checkEntitlement({ state: stateOf(undefined), feature: "f", entity: null, quantity: 1, at: AT });
    expect(checkResponseOf({ result, customer: "ghost", feature: "f", entity: null, asOf: 0 })).toEqual<CheckResponse>({
      allowed: false,
      customer: "ghost",
      feature: "f",
      entity: null,
      type: null,
      unlimited: false,
      included: null,
      used: null,
      balance: null,
      overageAllowed: false,
      usageLimit: null,
      periodStart: null,
      periodEnd: null,
      resetsAt: null,
      reason: "customer_not_found",
      asOf: "1970-01-01T00:00:00.000Z",
    });
  });

  it("answers a period that never resets without an end", () => {
    const result: CheckResult = {
      allowed: true,
      type: "gauge",
      unlimited: false,
      included: 5,
      used: 3,
      balance: 2,
      overageAllowed: false,
      usageLimit: null,
      periodStart: 0,
      periodEnd: null,
      resetsAt: null,
      reason: null,
    };
    expect(checkResponseOf({ result, customer: "acme", feature: "projects", entity: null, asOf: AT })).toMatchObject({
      periodStart: "1970-01-01T00:00:00.000Z",
      periodEnd: null,
      resetsAt: null,
    });
  });
});

describe("summarizeUsage", () => {
  it("summarizes the chat plan: the customer-wide view, each seat's entity and the seats gauge", () => {
    const summary = summarizeUsage({ state: stateOf(aSeatChatCustomer(), chatUsage), at: AT });
    expect(summary.map((row) => row.feature)).toEqual(["cheap-messages", "premium-messages", "seats"]);
    expect(rowOf(summary, "premium-messages")).toEqual<FeatureUsage>({
      feature: "premium-messages",
      type: "metered",
      granted: true,
      unlimited: false,
      included: 300,
      used: 180,
      balance: 120,
      // user_1's 50 beyond its own 100 are billed, whatever the other seats leave unused (PRODUCT §3).
      overage: 50,
      usageLimit: null,
      ...JANUARY,
      resetsAt: JANUARY.periodEnd,
      entities: [
        { entity: "user_1", included: 100, used: 150, balance: -50 },
        { entity: "user_2", included: 100, used: 30, balance: 70 },
        { entity: "user_3", included: 100, used: 0, balance: 100 },
      ],
    });
    expect(rowOf(summary, "cheap-messages")).toMatchObject({
      included: 3000,
      used: 2100,
      balance: 900,
      overage: 500,
      entities: [
        { entity: "user_1", included: 1000, used: 1500, balance: -500 },
        { entity: "user_2", included: 1000, used: 600, balance: 400 },
        { entity: "user_3", included: 1000, used: 0, balance: 1000 },
      ],
    });
    expect(rowOf(summary, "seats")).toMatchObject({
      type: "gauge",
      included: 0,
      used: 3,
      balance: -3,
      overage: 3,
      periodStart: "1970-01-01T00:00:00.000Z",
      periodEnd: null,
      entities: [],
    });
  });

  it("answers every feature's balance as a check of the customer does", () => {
    const definition = aSeatChatCustomer({
      features: {
        ...aSeatChatCustomer().features,
        "ai-credits": anEntitlement({ type: "credits", included: 500 }),
        exports: anEntitlement({ included: 10 }),
        api: anEntitlement({ included: 1000, overageAllowed: true, rollover: { max: 500 } }),
      },
      grants: [aGrant({ id: "promo", feature: "premium-messages", amount: 30 }), aGrant({ id: "g", feature: "api" })],
      creditCosts: { "ai-credits": { "premium-messages": 5, images: 2 } },
    });
    const counters = [
      ...chatUsage,
      aUsageCounter({ feature: "images", value: 40 }),
      aUsageCounter({ feature: "exports", value: 4 }),
      aUsageCounter({ feature: "api", value: 1300 }),
    ];
    const state = stateOf(definition, counters, [{ feature: "api", entity: null, quantity: 25 }]);
    const summary = summarizeUsage({ state, at: AT });
    expect(summary.map((row) => row.feature)).toEqual([
      "ai-credits",
      "api",
      "cheap-messages",
      "exports",
      "images",
      "premium-messages",
      "seats",
    ]);
    for (const row of summary) {
      const result = checkEntitlement({ state, feature: row.feature, entity: null, quantity: 0, at: AT });
      expect({ feature: row.feature, balance: row.balance, used: row.used }).toEqual({
        feature: row.feature,
        balance: result.balance,
        used: result.used,
      });
    }
    // premium: 20 of user_1's 50 beyond its allowance left after the promo, drawn at 5 credits; images at 2.
    expect(rowOf(summary, "ai-credits")).toMatchObject({ used: 180, balance: 320 });
    // The other seats' unused 170, then the credits.
    expect(rowOf(summary, "premium-messages")).toMatchObject({ balance: 170 + 320 / 5, overage: 0 });
    expect(rowOf(summary, "images")).toMatchObject({ granted: true, included: 0, used: 40, balance: 160 });
    expect(rowOf(summary, "api")).toMatchObject({ used: 1325, balance: -225, overage: 225 });
  });

  it("counts pending usage", () => {
    const pending: PendingUsage[] = [{ feature: "premium-messages", entity: "user_3", quantity: 7 }];
    const summary = summarizeUsage({ state: stateOf(aSeatChatCustomer(), chatUsage, pending), at: AT });
    expect(rowOf(summary, "premium-messages")).toMatchObject({ used: 187, balance: 113 });
    expect(rowOf(summary, "premium-messages")?.entities[2]).toEqual({
      entity: "user_3",
      included: 100,
      used: 7,
      balance: 93,
    });
  });

  it("reports the usage of an unlimited feature, without allowance or balance", () => {
    const definition = aCustomerDefinition({ features: { api: anEntitlement({ unlimited: true }) } });
    const summary = summarizeUsage({
      state: stateOf(definition, [aUsageCounter({ feature: "api", value: 42 })]),
      at: AT,
    });
    expect(summary).toEqual<FeatureUsage[]>([
      {
        feature: "api",
        type: "metered",
        granted: true,
        unlimited: true,
        included: null,
        used: 42,
        balance: null,
        overage: 0,
        usageLimit: null,
        ...JANUARY,
        resetsAt: JANUARY.periodEnd,
        entities: [],
      },
    ]);
  });

  it("reports a boolean feature as granted, without numbers", () => {
    const definition = aCustomerDefinition({ features: { sso: anEntitlement({ type: "boolean" }) } });
    expect(summarizeUsage({ state: stateOf(definition), at: AT })).toEqual<FeatureUsage[]>([
      {
        feature: "sso",
        type: "boolean",
        granted: true,
        unlimited: false,
        included: null,
        used: 0,
        balance: null,
        overage: 0,
        usageLimit: null,
        periodStart: null,
        periodEnd: null,
        resetsAt: null,
        entities: [],
      },
    ]);
  });

  it("reports counters of features the customer is not granted as used, granted false", () => {
    const definition = aCustomerDefinition({
      features: { api: anEntitlement({ subscriptionActive: false }) },
      overrides: { beta: { feature: "beta", enabled: false, expiresAt: null } },
    });
    const counters = [aUsageCounter({ feature: "api", value: 12 }), aUsageCounter({ feature: "legacy", value: 3 })];
    const summary = summarizeUsage({ state: stateOf(definition, counters), at: AT });
    expect(summary).toEqual<FeatureUsage[]>(
      ["api", "legacy"].map((feature) => ({
        feature,
        type: "metered",
        granted: false,
        unlimited: false,
        included: null,
        used: feature === "api" ? 12 : 3,
        balance: null,
        overage: 0,
        usageLimit: null,
        ...JANUARY,
        resetsAt: JANUARY.periodEnd,
        entities: [],
      })),
    );
  });

  it("shows no overage for a hard limit exceeded by tracked usage: nothing is billed", () => {
    const definition = aCustomerDefinition({ features: { exports: anEntitlement({ included: 10 }) } });
    const summary = summarizeUsage({
      state: stateOf(definition, [aUsageCounter({ feature: "exports", value: 12 })]),
      at: AT,
    });
    expect(rowOf(summary, "exports")).toMatchObject({ used: 12, balance: -2, overage: 0 });
  });
});
