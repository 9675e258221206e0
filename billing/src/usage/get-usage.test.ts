import type { CustomerDefinition, UsageSnapshot } from "@lumen/core";
import { aCustomerDefinition, anEntitlement } from "@lumen/core/testing";
import { describe, expect, it } from "vitest";
import { summarizeUsage } from "./get-usage";

const anchor = "2026-01-10T00:00:00.000Z";
const definition: CustomerDefinition = aCustomerDefinition({
  version: 3,
  billingPeriod: { interval: "month", anchor },
  features: {
    "api-calls": anEntitlement({
      type: "metered",
      reset: { interval: "day", anchor },
      included: 100,
      per: "customer",
      overageAllowed: false,
    }),
    messages: anEntitlement({
      type: "metered",
      reset: { interval: "month", anchor },
      included: 10,
      per: "seat",
      overageAllowed: true,
    }),
    seats: anEntitlement({
      type: "gauge",
      reset: { interval: null, anchor },
      included: 0,
      per: "customer",
      overageAllowed: true,
    }),
    sso: anEntitlement({
      type: "boolean",
      reset: { interval: "month", anchor },
      included: 0,
      per: "customer",
      overageAllowed: false,
    }),
  },
});
const now = Date.parse("2026-02-15T12:00:00Z");
const today = Date.parse("2026-02-15T00:00:00Z");
const month = Date.parse("2026-02-10T00:00:00Z");

function snapshot(counters: UsageSnapshot["counters"]): UsageSnapshot {
  return { env: "test", customer: "acme", partition: 0, seq: 9, asOf: now, counters };
}

describe("summarizeUsage", () => {
  const entities = [
    { id: "u1", feature: "seats" },
    { id: "u2", feature: "seats" },
  ];
  const summary = summarizeUsage({
    definition,
    snapshot: snapshot([
      { feature: "api-calls", entity: null, periodStart: today, periodEnd: today + 86_400_000, value: 40 },
      {
        feature: "messages",
        entity: null,
        periodStart: month,
        periodEnd: Date.parse("2026-03-10T00:00:00Z"),
        value: 25,
      },
      {
        feature: "messages",
        entity: "u1",
        periodStart: month,
        periodEnd: Date.parse("2026-03-10T00:00:00Z"),
        value: 25,
      },
      { feature: "untracked", entity: null, periodStart: month, periodEnd: null, value: 3 },
    ]),
    entities,
    now,
  });
  const byFeature = Object.fromEntries(summary.map((feature) => [feature.feature, feature]));

  it("reads the counter of the current period against the allowance", () => {
    expect(byFeature["api-calls"]).toMatchObject({ granted: true, included: 100, used: 40, balance: 60, overage: 0 });
    expect(byFeature["api-calls"]?.resetsAt?.toISOString()).toBe("2026-02-16T00:00:00.000Z");
  });

  it("gives each seat its own allowance and counts overage when a price allows it", () => {
    expect(byFeature.messages).toMatchObject({ included: 20, used: 25, balance: -5, overage: 5 });
    expect(byFeature.messages?.entities).toEqual([
      { entity: "u1", included: 10, used: 25, balance: -15 },
      { entity: "u2", included: 10, used: 0, balance: 10 },
    ]);
  });

  it("reads a gauge's level from its entities and never resets it", () => {
    expect(byFeature.seats).toMatchObject({ used: 2, periodEnd: null, resetsAt: null });
  });

  it("shows usage of features the customer is not entitled to", () => {
    expect(byFeature.untracked).toMatchObject({ granted: false, used: 3, balance: null });
  });

  it("treats a counter of an earlier period as nothing used yet", () => {
    const stale = summarizeUsage({
      definition,
      snapshot: snapshot([
        { feature: "api-calls", entity: null, periodStart: today - 86_400_000, periodEnd: today, value: 99 },
      ]),
      entities: [],
      now,
    });
    expect(stale.find((f) => f.feature === "api-calls")).toMatchObject({ used: 0, balance: 100 });
  });

  it("has no balance for booleans", () => {
    expect(byFeature.sso).toMatchObject({ balance: null, used: 0 });
  });
});
