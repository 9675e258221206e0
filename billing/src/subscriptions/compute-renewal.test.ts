import { describe, expect, it } from "vitest";
import { aSubscription } from "../../../test/support/builders";
import type { PlanVersion } from "../catalog/plan-record";
import { normalizePlanDefinition } from "../catalog/schemas";
import { computeRenewal } from "./compute-renewal";
import type { Subscription } from "./subscription-record";

function plan(id: string, interval: "week" | "month" | "quarter" | "year" = "month", version = 1): PlanVersion {
  return {
    plan: id,
    version,
    definition: normalizePlanDefinition({ name: id, currency: "USD", interval, items: [] }),
    createdAt: new Date("2026-01-01T00:00:00Z"),
  };
}

function subscription(overrides: Partial<Subscription> = {}): Subscription {
  return aSubscription({
    start: new Date("2026-01-31T00:00:00Z"),
    end: new Date("2026-02-28T00:00:00Z"),
    ...overrides,
  });
}

describe("computeRenewal", () => {
  it("starts the next period from the anchor, clamped to the month's end", () => {
    const { after, events } = computeRenewal({ sub: subscription(), currentPlan: plan("pro"), nextPlan: null });
    expect(after.currentPeriodStart.toISOString()).toBe("2026-02-28T00:00:00.000Z");
    expect(after.currentPeriodEnd.toISOString()).toBe("2026-03-31T00:00:00.000Z");
    expect(after.version).toBe(2);
    expect(events).toEqual(["subscription.renewed"]);
  });

  it("ends a subscription whose cancel was scheduled", () => {
    const { after, events } = computeRenewal({
      sub: subscription({ cancelAtPeriodEnd: true }),
      currentPlan: plan("pro"),
      nextPlan: null,
    });
    expect(after.status).toBe("canceled");
    expect(after.endedAt?.toISOString()).toBe("2026-02-28T00:00:00.000Z");
    expect(events).toEqual(["subscription.canceled"]);
  });

  it("turns a trial into an active subscription at its end", () => {
    const trialEnd = new Date("2026-02-14T00:00:00Z");
    const sub = subscription({
      status: "trialing",
      trialStart: new Date("2026-01-31T00:00:00Z"),
      trialEnd,
      billingAnchor: trialEnd,
      currentPeriodEnd: trialEnd,
    });
    const { after, events } = computeRenewal({ sub, currentPlan: plan("team"), nextPlan: null });
    expect(after.status).toBe("active");
    expect(after.currentPeriodEnd.toISOString()).toBe("2026-03-14T00:00:00.000Z");
    expect(events).toEqual(["subscription.trial_ended", "subscription.renewed"]);
  });

  it("applies a scheduled change and re-anchors when the interval changes", () => {
    const sub = subscription({
      scheduledChange: { plan: "yearly", planVersion: 3, at: new Date("2026-02-28T00:00:00Z") },
    });
    const { after, events } = computeRenewal({ sub, currentPlan: plan("pro"), nextPlan: plan("yearly", "year", 3) });
    expect(after.plan).toBe("yearly");
    expect(after.planVersion).toBe(3);
    expect(after.scheduledChange).toBeNull();
    expect(after.billingAnchor.toISOString()).toBe("2026-02-28T00:00:00.000Z");
    expect(after.currentPeriodEnd.toISOString()).toBe("2027-02-28T00:00:00.000Z");
    expect(events).toEqual(["subscription.plan_changed", "subscription.renewed"]);
  });

  it("keeps the anchor for a scheduled change on the same interval", () => {
    const sub = subscription({
      scheduledChange: { plan: "team", planVersion: 1, at: new Date("2026-02-28T00:00:00Z") },
    });
    const { after } = computeRenewal({ sub, currentPlan: plan("pro"), nextPlan: plan("team") });
    expect(after.billingAnchor.toISOString()).toBe("2026-01-31T00:00:00.000Z");
    expect(after.currentPeriodEnd.toISOString()).toBe("2026-03-31T00:00:00.000Z");
  });
});
