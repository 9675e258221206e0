import { applyToCounter, type CounterState, type Ledger } from "@lumen/core";
import { aCustomerDefinition, aMonth, anEntitlement } from "@lumen/core/testing";
import { describe, expect, it } from "vitest";
import { TEST_CATALOG } from "../testing/catalog";
import type { CustomerUsage } from "./counter-store";
import { movesPeriod, rollLedgers } from "./roll-ledgers";

function counter(month: number, used: number): CounterState {
  const period = aMonth(month);
  return applyToCounter(undefined, {
    period,
    timestamp: period.start + 1000,
    seq: month,
    index: 0,
    reading: used,
    token: null,
  });
}

function usageWith(counters: Record<string, CounterState>, ledgers: Ledger[] = []): CustomerUsage {
  return { env: "test", customer: "acme", partition: 0, counters: new Map(Object.entries(counters)), ledgers };
}

const definition = aCustomerDefinition({
  features: {
    "api-calls": anEntitlement({ included: 10, rollover: { max: 20 } }),
    messages: anEntitlement({ included: 5, rollover: { max: 5 } }),
  },
});

describe("rollLedgers", () => {
  it("keeps the moving counter's scope ledger at the start of the new period, from its old period's usage", () => {
    const usage = usageWith({ "api-calls": counter(10, 4), messages: counter(10, 1) });
    rollLedgers({
      usage,
      definition,
      catalog: TEST_CATALOG,
      feature: "api-calls",
      entities: [null],
      at: aMonth(11).start + 5,
    });
    // Only the scope whose counter moves: messages' counter still holds October, from which it rolls itself.
    expect(usage.ledgers).toEqual([
      { feature: "api-calls", entity: null, periodStart: aMonth(11).start, rolledOver: 6, grantsUsed: {} },
    ]);
  });

  it("rolls forward from the ledger kept before, through empty periods", () => {
    const kept: Ledger = {
      feature: "api-calls",
      entity: null,
      periodStart: aMonth(9).start,
      rolledOver: 8,
      grantsUsed: {},
    };
    const usage = usageWith({ "api-calls": counter(9, 3) }, [kept]);
    rollLedgers({
      usage,
      definition,
      catalog: TEST_CATALOG,
      feature: "api-calls",
      entities: [null],
      at: aMonth(11).start,
    });
    // September: 10 + 8 - 3 = 15 left, capped at 20; October: 10 + 15 unused, capped at 20.
    expect(usage.ledgers).toEqual([{ ...kept, periodStart: aMonth(11).start, rolledOver: 20 }]);
  });

  it("keeps nothing for features the definition does not grant", () => {
    const usage = usageWith({ tokens: counter(10, 4) });
    rollLedgers({
      usage,
      definition,
      catalog: TEST_CATALOG,
      feature: "tokens",
      entities: [null],
      at: aMonth(11).start,
    });
    expect(usage.ledgers).toEqual([]);
  });
});

describe("movesPeriod", () => {
  it("is true only for a newer event of another period", () => {
    const october = counter(10, 1);
    expect(movesPeriod(undefined, aMonth(11), aMonth(11).start, 50, 0)).toBe(false);
    expect(movesPeriod(october, aMonth(10), aMonth(10).start + 5000, 50, 0)).toBe(false);
    expect(movesPeriod(october, aMonth(11), aMonth(11).start, 50, 0)).toBe(true);
    expect(movesPeriod(october, aMonth(9), aMonth(9).start, 50, 0)).toBe(false);
  });

  it("moves the ledger of the credits that pay for the feature with it", () => {
    const credits = aCustomerDefinition({
      features: { "ai-credits": anEntitlement({ type: "credits", included: 0 }) },
      creditCosts: { "ai-credits": { cheap: 1 } },
      grants: [
        { id: "promo", feature: "ai-credits", amount: 500, priority: 0, expiresAt: null, createdAt: 0, voidedAt: null },
      ],
    });
    const usage = usageWith({ cheap: counter(1, 200) });
    rollLedgers({
      usage,
      definition: credits,
      catalog: TEST_CATALOG,
      feature: "cheap",
      entities: [null],
      at: aMonth(2).start + 5,
    });
    expect(usage.ledgers).toContainEqual({
      feature: "ai-credits",
      entity: null,
      periodStart: aMonth(2).start,
      rolledOver: 0,
      grantsUsed: { promo: 200 },
    });
  });
});
