import type { CustomerDefinition } from "../pipeline/definitions";
import type { UsageCounter } from "../pipeline/messages";
import type { EntitlementInput, Grant } from "./types";

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

/** A grant of 100 units of "f", created at the epoch, lowest priority first, never expiring or voided. */
export function aGrant(fields: Partial<Grant> & Pick<Grant, "id">): Grant {
  return { feature: "f", amount: 100, priority: 0, expiresAt: null, createdAt: 0, voidedAt: null, ...fields };
}

/** The month `month` (1 = January 2026, 13 = January 2027) of `anEntitlement`'s reset, in ms. */
export function aMonth(month: number): { start: number; end: number } {
  return { start: Date.UTC(2026, month - 1, 1), end: Date.UTC(2026, month, 1) };
}

/** A counter of `value` units of a feature in the month `month` (see `aMonth`), of the customer unless `entity`. */
export function aUsageCounter({
  feature,
  entity = null,
  month = 1,
  value,
}: {
  feature: string;
  entity?: string | null;
  month?: number;
  value: number;
}): UsageCounter {
  const { start, end } = aMonth(month);
  return { feature, entity, periodStart: start, periodEnd: end, value };
}

/**
 * The pitch's seat-based AI chat plan (seed/why-lumen.txt) for "acme" with seats user_1…user_3: seats priced per
 * unit, 100 premium messages and 1000 cheap messages per seat and month, both priced beyond that.
 */
export function aSeatChatCustomer(fields: Partial<CustomerDefinition> = {}): CustomerDefinition {
  return aCustomerDefinition({
    features: {
      seats: anEntitlement({ type: "gauge", included: 0, overageAllowed: true }),
      "premium-messages": anEntitlement({ included: 100, per: "seat", overageAllowed: true }),
      "cheap-messages": anEntitlement({ included: 1000, per: "seat", overageAllowed: true }),
    },
    entities: { user_1: "seats", user_2: "seats", user_3: "seats" },
    seatFeatures: ["seats"],
    ...fields,
  });
}
