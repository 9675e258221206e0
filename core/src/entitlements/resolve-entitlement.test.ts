import { describe, expect, it } from "vitest";
import { resolveEntitlement } from "./resolve-entitlement";
import { anEntitlement } from "./testing";
import type { Override } from "./types";

const AT = 500;

const entitlement = anEntitlement;

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
