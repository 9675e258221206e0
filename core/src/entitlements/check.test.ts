import { describe, expect, it } from "vitest";
import { type BurnResult, burnUsage } from "./burn";
import { type CheckFeatureInput, checkFeature } from "./check";
import { anEntitlement } from "./testing";
import { type Grant, type Override, REASONS, type Reason } from "./types";

const AT = 500;

const entitlement = anEntitlement;

function usage({ allowance = 100, used = 0, grants = [] }: { allowance?: number; used?: number; grants?: Grant[] }) {
  return burnUsage({
    periods: [{ start: 0, end: 1000, used }],
    allowancePerPeriod: allowance,
    rolloverMax: null,
    grants,
    at: AT,
  });
}

function check(fields: Partial<CheckFeatureInput>) {
  return checkFeature({
    entitlement: entitlement(),
    override: undefined,
    burn: usage({}),
    quantity: 1,
    at: AT,
    customerExists: true,
    subscriptionActive: true,
    ...fields,
  });
}

const priced = entitlement({ overageAllowed: true });
const override = (fields: Partial<Override>): Override => ({ feature: "f", enabled: true, expiresAt: null, ...fields });

const cases: { name: string; input: Partial<CheckFeatureInput>; allowed: boolean; reason: Reason | null }[] = [
  { name: "an unknown customer", input: { customerExists: false }, allowed: false, reason: "customer_not_found" },
  { name: "no plan grants the feature", input: { entitlement: undefined }, allowed: false, reason: "no_entitlement" },
  {
    name: "an override disables the feature",
    input: { override: override({ enabled: false }) },
    allowed: false,
    reason: "no_entitlement",
  },
  {
    name: "an expired disabling override is ignored",
    input: { override: override({ enabled: false, expiresAt: AT }) },
    allowed: true,
    reason: null,
  },
  {
    name: "the plan's feature trial is over",
    input: { entitlement: entitlement({ trialEndsAt: AT }) },
    allowed: false,
    reason: "trial_ended",
  },
  {
    name: "the plan's feature trial still runs",
    input: { entitlement: entitlement({ trialEndsAt: AT + 1 }) },
    allowed: true,
    reason: null,
  },
  {
    name: "an active override outlasts the plan's feature trial",
    input: { entitlement: entitlement({ trialEndsAt: 0 }), override: override({ expiresAt: AT + 1 }) },
    allowed: true,
    reason: null,
  },
  {
    name: "a customer's override trial is over",
    input: { entitlement: undefined, override: override({ included: 10, expiresAt: AT }) },
    allowed: false,
    reason: "trial_ended",
  },
  {
    name: "the plan's subscription is inactive",
    input: { subscriptionActive: false },
    allowed: false,
    reason: "subscription_inactive",
  },
  {
    name: "a feature granted by an override alone needs no subscription",
    input: {
      entitlement: undefined,
      override: override({ included: 10 }),
      burn: usage({ allowance: 10 }),
      subscriptionActive: false,
    },
    allowed: true,
    reason: null,
  },
  {
    name: "a hard limit with exactly the quantity left",
    input: { burn: usage({ used: 95 }), quantity: 5 },
    allowed: true,
    reason: null,
  },
  {
    name: "a hard limit one unit short",
    input: { burn: usage({ used: 95 }), quantity: 6 },
    allowed: false,
    reason: "limit_reached",
  },
  { name: "a hard limit used up", input: { burn: usage({ used: 100 }) }, allowed: false, reason: "limit_reached" },
  {
    name: "a hard limit extended by a grant",
    input: { burn: usage({ used: 100, grants: [grantOf(5)] }), quantity: 5 },
    allowed: true,
    reason: null,
  },
  {
    name: "priced overage without usageLimit",
    input: { entitlement: priced, burn: usage({ used: 150 }) },
    allowed: true,
    reason: null,
  },
  {
    name: "priced overage reaching the usageLimit exactly",
    input: {
      entitlement: entitlement({ overageAllowed: true, usageLimit: 200 }),
      burn: usage({ used: 150 }),
      quantity: 50,
    },
    allowed: true,
    reason: null,
  },
  {
    name: "priced overage beyond the usageLimit",
    input: {
      entitlement: entitlement({ overageAllowed: true, usageLimit: 200 }),
      burn: usage({ used: 150 }),
      quantity: 51,
    },
    allowed: false,
    reason: "usage_limit_reached",
  },
];

function grantOf(amount: number): Grant {
  return { id: "g", feature: "f", amount, priority: 0, expiresAt: null, createdAt: 0, voidedAt: null };
}

describe("checkFeature: allowed and reason", () => {
  it.each(cases)("$name → allowed $allowed, reason $reason", ({ input, allowed, reason }) => {
    expect(check(input)).toMatchObject({ allowed, reason });
  });

  it("covers every reason of PRODUCT §9", () => {
    expect(new Set(cases.map((testCase) => testCase.reason).filter((reason) => reason !== null))).toEqual(
      new Set(REASONS),
    );
  });
});

describe("checkFeature: response fields", () => {
  it("answers the PRODUCT §9 example: priced overage shows a negative balance", () => {
    expect(check({ entitlement: priced, burn: usage({ used: 150 }) })).toEqual({
      allowed: true,
      type: "metered",
      unlimited: false,
      included: 100,
      used: 150,
      balance: -50,
      overageAllowed: true,
      usageLimit: null,
      periodStart: 0,
      periodEnd: 1000,
      resetsAt: 1000,
      reason: null,
    });
  });

  it("answers boolean features with allowed only", () => {
    expect(check({ entitlement: entitlement({ type: "boolean" }), burn: null })).toEqual({
      allowed: true,
      type: "boolean",
      unlimited: false,
      included: null,
      used: null,
      balance: null,
      overageAllowed: false,
      usageLimit: null,
      periodStart: null,
      periodEnd: null,
      resetsAt: null,
      reason: null,
    });
  });

  it("grants an override without `included` as a boolean feature", () => {
    expect(check({ entitlement: undefined, override: override({}), burn: null })).toMatchObject({
      allowed: true,
      type: "boolean",
    });
  });

  it("allows an unlimited feature whatever the usage, reporting the usage", () => {
    expect(check({ entitlement: entitlement({ unlimited: true }), burn: usage({ used: 10 ** 9 }) })).toMatchObject({
      allowed: true,
      unlimited: true,
      included: null,
      used: 10 ** 9,
      balance: null,
    });
  });

  it("makes a feature unlimited through an override", () => {
    const result = check({ override: override({ included: "unlimited" }), burn: usage({ used: 500 }) });
    expect(result).toMatchObject({ allowed: true, unlimited: true });
  });

  it("counts a missing burn as no usage yet", () => {
    expect(check({ burn: null })).toMatchObject({
      allowed: true,
      included: 100,
      used: 0,
      balance: 100,
      periodStart: null,
    });
  });

  it("answers the plan's type on a denial after the feature is known", () => {
    expect(check({ subscriptionActive: false })).toMatchObject({ type: "metered", balance: null });
    expect(check({ customerExists: false })).toMatchObject({ type: null });
  });

  it("reports an override's `included` burned against by the caller", () => {
    const burn: BurnResult = usage({ allowance: 200, used: 150 });
    expect(check({ override: override({ included: 200 }), burn })).toMatchObject({
      allowed: true,
      included: 200,
      balance: 50,
    });
  });
});
