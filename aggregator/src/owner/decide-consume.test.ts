import type { BalanceState } from "@lumen/core";
import { aCustomerDefinition, anEntitlement, aUsageCounter } from "@lumen/core/testing";
import { describe, expect, it } from "vitest";
import { decideConsume } from "./decide-consume";

const NOVEMBER = Date.UTC(2026, 10, 15);

function state(fields: Partial<BalanceState> = {}): BalanceState {
  return {
    definition: aCustomerDefinition({
      features: { f: anEntitlement({ included: 10 }), on: anEntitlement({ type: "boolean" }) },
    }),
    counters: [aUsageCounter({ feature: "f", month: 11, value: 6 })],
    ledgers: [],
    pending: [],
    ...fields,
  };
}

describe("decideConsume", () => {
  it.each([
    { case: "within the balance", quantity: 4, pending: 0, allowed: true, balance: 0 },
    { case: "one past the balance", quantity: 5, pending: 0, allowed: false, balance: 4 },
    { case: "within the balance left by pending usage", quantity: 1, pending: 3, allowed: true, balance: 0 },
    { case: "past the balance left by pending usage", quantity: 2, pending: 3, allowed: false, balance: 1 },
    { case: "a fraction within the balance", quantity: 0.5, pending: 3.5, allowed: true, balance: 0 },
  ])("$case: allowed $allowed, balance $balance", ({ quantity, pending, allowed, balance }) => {
    const decision = decideConsume({
      state: state({ pending: pending > 0 ? [{ feature: "f", entity: null, quantity: pending }] : [] }),
      feature: "f",
      entity: null,
      quantity,
      at: NOVEMBER,
    });
    expect(decision.allowed).toBe(allowed);
    // Allowed: the balance with the quantity taken; denied: the balance as it stands.
    expect(decision.result).toMatchObject({ allowed, balance, reason: allowed ? null : "limit_reached" });
  });

  it("counts the counter of the period containing the decision only", () => {
    const decision = decideConsume({
      state: state({ counters: [aUsageCounter({ feature: "f", month: 10, value: 10 })] }),
      feature: "f",
      entity: null,
      quantity: 10,
      at: NOVEMBER,
    });
    expect(decision.result).toMatchObject({ allowed: true, used: 10, balance: 0 });
  });

  it("allows overage up to the usage limit", () => {
    const definition = aCustomerDefinition({
      features: { f: anEntitlement({ included: 10, overageAllowed: true, usageLimit: 12 }) },
    });
    const decide = (quantity: number) =>
      decideConsume({ state: state({ definition }), feature: "f", entity: null, quantity, at: NOVEMBER });
    expect(decide(6).result).toMatchObject({ allowed: true, used: 12, balance: -2 });
    expect(decide(7).result).toMatchObject({ allowed: false, reason: "usage_limit_reached" });
  });

  it("denies unknown customers and features, and allows boolean features as such", () => {
    const unknown = { definition: undefined };
    expect(
      decideConsume({ state: state(unknown), feature: "f", entity: null, quantity: 1, at: NOVEMBER }).result.reason,
    ).toBe("customer_not_found");
    expect(decideConsume({ state: state(), feature: "g", entity: null, quantity: 1, at: NOVEMBER }).result.reason).toBe(
      "no_entitlement",
    );
    expect(decideConsume({ state: state(), feature: "on", entity: null, quantity: 1, at: NOVEMBER }).allowed).toBe(
      true,
    );
  });
});
