import { Decimal } from "@lumen/core";
import { describe, expect, it } from "vitest";
import { aSubscription } from "../../../test/support/builders";
import type { PlanVersion } from "../catalog/plan-record";
import { normalizePlanDefinition } from "../catalog/schemas";
import { type AttachSetup, computeAttach } from "./compute-attach";
import type { Subscription } from "./subscription-record";

const NOW = new Date("2026-03-10T00:00:00Z");

function plan(
  id: string,
  { monthly = "0", interval = "month", trialDays = 0, addOn = false, version = 1 } = {} as {
    monthly?: string;
    interval?: "week" | "month" | "quarter" | "year";
    trialDays?: number;
    addOn?: boolean;
    version?: number;
  },
): PlanVersion & { monthly: string } {
  return {
    plan: id,
    version,
    monthly,
    definition: normalizePlanDefinition({ name: id, currency: "USD", interval, trialDays, addOn, items: [] }),
    createdAt: NOW,
  };
}

function subscriptionOn(target: PlanVersion, overrides: Partial<Subscription> = {}): Subscription {
  return aSubscription({
    start: new Date("2026-03-01T00:00:00Z"),
    end: new Date("2026-04-01T00:00:00Z"),
    id: `sub_${target.plan}`,
    plan: target.plan,
    planVersion: target.version,
    group: target.definition.addOn ? null : target.definition.group,
    addOn: target.definition.addOn,
    ...overrides,
  });
}

function setup(
  target: PlanVersion & { monthly: string },
  live: [Subscription, PlanVersion & { monthly: string }][] = [],
  overrides: Partial<AttachSetup> = {},
): AttachSetup {
  const prices = new Map([[`${target.plan}@${target.version}`, target.monthly]]);
  for (const [, version] of live) prices.set(`${version.plan}@${version.version}`, version.monthly);
  return {
    now: NOW,
    customerId: "acme",
    target,
    input: {},
    live: live.map(([sub]) => sub),
    livePlans: new Map(live.map(([sub, version]) => [sub.id, version])),
    hadTrial: false,
    monthlyAmountOf: (version) => new Decimal(prices.get(`${version.plan}@${version.version}`) ?? "0"),
    newSubscriptionId: "sub_new",
    ...overrides,
  };
}

describe("computeAttach", () => {
  const free = plan("free");
  const team = plan("team", { monthly: "20", trialDays: 14 });
  const pro = plan("pro", { monthly: "99" });

  it("creates a subscription whose first period ends at the next anchor boundary", () => {
    const decision = computeAttach(setup(pro, [], { input: { billingAnchor: new Date("2026-01-15T00:00:00Z") } }));
    if (decision.kind !== "create") throw new Error(decision.kind);
    expect(decision.subscription.currentPeriodStart).toEqual(NOW);
    expect(decision.subscription.currentPeriodEnd.toISOString()).toBe("2026-03-15T00:00:00.000Z");
    expect(decision.subscription.status).toBe("active");
  });

  it("starts a trial ending trialDays later, anchoring billing there", () => {
    const decision = computeAttach(setup(team));
    if (decision.kind !== "create") throw new Error(decision.kind);
    expect(decision.subscription.status).toBe("trialing");
    expect(decision.subscription.trialEnd?.toISOString()).toBe("2026-03-24T00:00:00.000Z");
    expect(decision.subscription.billingAnchor.toISOString()).toBe("2026-03-24T00:00:00.000Z");
  });

  it.each([
    ["declined", { input: { trial: false } }],
    ["already used", { hadTrial: true }],
  ])("starts no trial when it was %s", (_name, overrides) => {
    const decision = computeAttach(setup(team, [], overrides as Partial<AttachSetup>));
    if (decision.kind !== "create") throw new Error(decision.kind);
    expect(decision.subscription.status).toBe("active");
    expect(decision.subscription.trialEnd).toBeNull();
  });

  it.each([
    ["a cheaper plan is a downgrade, at period end", pro, team, "change_scheduled", "downgrade"],
    ["a dearer plan is an upgrade, now", team, pro, "change_now", "upgrade"],
    [
      "an equal price counts as an upgrade",
      plan("a", { monthly: "10" }),
      plan("b", { monthly: "10" }),
      "change_now",
      "upgrade",
    ],
  ] as const)("%s", (_name, from, to, kind, direction) => {
    const decision = computeAttach(setup(to, [[subscriptionOn(from), from]], { input: { trial: false } }));
    expect(decision.kind).toBe(kind);
    if (decision.kind === "create") throw new Error("create");
    expect(decision.direction).toBe(direction);
    expect(decision.before.id).toBe(`sub_${from.plan}`);
  });

  it("lets `when` override the timing of a change", () => {
    const decision = computeAttach(setup(team, [[subscriptionOn(pro), pro]], { input: { when: "now", trial: false } }));
    expect(decision.kind).toBe("change_now");
  });

  it("schedules a downgrade at the current period's end", () => {
    const decision = computeAttach(setup(free, [[subscriptionOn(pro), pro]]));
    if (decision.kind !== "change_scheduled") throw new Error(decision.kind);
    expect(decision.after.scheduledChange).toEqual({
      plan: "free",
      planVersion: 1,
      at: new Date("2026-04-01T00:00:00Z"),
    });
    expect(decision.after.plan).toBe("pro");
  });

  it("starts the target's trial when moving up from a plan without one", () => {
    const decision = computeAttach(setup(team, [[subscriptionOn(free), free]]));
    if (decision.kind !== "change_now") throw new Error(decision.kind);
    expect(decision.after.status).toBe("trialing");
    expect(decision.after.currentPeriodEnd.toISOString()).toBe("2026-03-24T00:00:00.000Z");
  });

  it("restarts the period at the change when the interval changes", () => {
    const yearly = plan("yearly", { monthly: "100", interval: "year" });
    const decision = computeAttach(setup(yearly, [[subscriptionOn(pro), pro]]));
    if (decision.kind !== "change_now") throw new Error(decision.kind);
    expect(decision.after.currentPeriodStart).toEqual(NOW);
    expect(decision.after.currentPeriodEnd.toISOString()).toBe("2027-03-10T00:00:00.000Z");
  });

  it("keeps the period when the interval is the same", () => {
    const decision = computeAttach(setup(pro, [[subscriptionOn(team), team]]));
    if (decision.kind !== "change_now") throw new Error(decision.kind);
    expect(decision.after.currentPeriodStart.toISOString()).toBe("2026-03-01T00:00:00.000Z");
    expect(decision.after.currentPeriodEnd.toISOString()).toBe("2026-04-01T00:00:00.000Z");
  });

  it("refuses the plan and version the customer already has", () => {
    expect(() => computeAttach(setup(pro, [[subscriptionOn(pro), pro]]))).toThrow(/already on 'pro'/);
  });

  it("stacks an add-on beside the base plan but refuses it twice", () => {
    const addOn = plan("extra", { monthly: "5", addOn: true });
    expect(computeAttach(setup(addOn, [[subscriptionOn(pro), pro]])).kind).toBe("create");
    expect(() => computeAttach(setup(addOn, [[subscriptionOn(addOn), addOn]]))).toThrow(/add-on/);
  });
});
