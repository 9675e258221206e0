import type { EntitlementInput } from "./types";

/** A metered feature with 100 included per monthly period, no price, no rollover; tests override the rest. */
export function anEntitlement(fields: Partial<EntitlementInput> = {}): EntitlementInput {
  return {
    type: "metered",
    reset: { interval: "month", anchor: "2026-01-01T00:00:00.000Z" },
    included: 100,
    unlimited: false,
    per: "customer",
    overageAllowed: false,
    usageLimit: null,
    rollover: null,
    trialEndsAt: null,
    pooled: false,
    ...fields,
  };
}
