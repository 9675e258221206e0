import type { CustomerDefinition } from "../pipeline/definitions";
import type { EntitlementInput } from "./types";

/** A metered feature with 100 included per monthly period, no price, no rollover; tests override the rest. */
export function anEntitlement(fields: Partial<EntitlementInput> = {}): EntitlementInput {
  return {
    type: "metered",
    reset: { interval: "month", anchor: "2026-01-01T00:00:00.000Z" },
    included: 100,
    unlimited: false,
    per: "customer",
    pooled: false,
    overageAllowed: false,
    usageLimit: null,
    rollover: null,
    trialEndsAt: null,
    subscriptionActive: true,
    ...fields,
  };
}

/** An existing test-environment customer "acme" with no features, grants, overrides or seats. */
export function aCustomerDefinition(fields: Partial<CustomerDefinition> = {}): CustomerDefinition {
  return {
    env: "test",
    customer: "acme",
    version: 1,
    exists: true,
    testClock: null,
    billingPeriod: null,
    features: {},
    grants: [],
    overrides: {},
    entities: {},
    seatFeatures: [],
    creditCosts: {},
    ...fields,
  };
}
