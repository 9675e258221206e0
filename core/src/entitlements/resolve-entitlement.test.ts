import { describe, expect, it } from "vitest";
import { resolveEntitlement } from "./resolve-entitlement";
import type { EntitlementInput, Override } from "./types";

const AT = 500;

function entitlement(fields: Partial<EntitlementInput> = {}): EntitlementInput {
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

const override = (fields: Partial<Override>): Override => ({ feature: "f", enabled: true, expiresAt: null, ...fields });

describe("resolveEntitlement: overrides", () => {
  it("replaces the allowance with an active override's `included`", () => {
    const resolved = resolveEntitlement({ entitlement: entitlement(), override: override({ included: 200 }), at: AT });
    expect(resolved).toMatchObject({ granted: true, fromPlan: true, entitlement: { included: 200 } });
  });

  it("removes the feature with an active disabling override, even with a plan", () => {
    const resolved = resolveEntitlement({ entitlement: entitlement(), override: override({ enabled: false }), at: AT });
    expect(resolved).toEqual({ granted: false, reason: "no_entitlement" });
  });

  it("ignores an expired override's `included`", () => {
    const resolved = resolveEntitlement({
      entitlement: entitlement(),
      override: override({ included: 200, expiresAt: AT }),
      at: AT,
    });
    expect(resolved).toMatchObject({ granted: true, fromPlan: true, entitlement: { included: 100 } });
  });

  it("makes an override-only feature with `included` a hard-limited metered feature", () => {
    const resolved = resolveEntitlement({ entitlement: undefined, override: override({ included: 10 }), at: AT });
    expect(resolved).toMatchObject({
      granted: true,
      fromPlan: false,
      entitlement: { type: "metered", included: 10, overageAllowed: false },
    });
  });
});
