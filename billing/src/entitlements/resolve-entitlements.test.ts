import { describe, expect, it } from "vitest";
import { aSubscription } from "../../../test/support/builders";
import type { PlanVersion } from "../catalog/plan-record";
import { type PlanDefinitionInput, planDefinition } from "../catalog/schemas";
import { type FeatureFacts, resolveEntitlements, type SubscriptionFacts } from "./resolve-entitlements";

const DAY = 86_400_000;
const start = new Date("2026-01-01T00:00:00Z");
const features = new Map<string, FeatureFacts>([["sso", { type: "boolean" }]]);

function on(plan: string, definition: Partial<PlanDefinitionInput>, id = plan): SubscriptionFacts {
  const version: PlanVersion = {
    plan,
    version: 1,
    createdAt: start,
    definition: planDefinition.parse({ name: plan, currency: "USD", ...definition }),
  };
  return { ...aSubscription({ id, start, end: new Date("2026-02-01T00:00:00Z") }), plan: version };
}

const trial = on("trial", { items: [{ type: "feature", feature: "sso", trialDays: 7 }] });
const plain = on("plain", { addOn: true, items: [{ type: "feature", feature: "sso" }] }, "sub_plain");
const at = (days: number) => new Date(start.getTime() + days * DAY);

describe("resolveEntitlements", () => {
  it("ends a feature at its trial's end", () => {
    expect(resolveEntitlements({ at: at(3), subscriptions: [trial], features })[0]?.trialEndsAt).toEqual(at(7));
    expect(resolveEntitlements({ at: at(8), subscriptions: [trial], features })).toEqual([]);
  });

  it("keeps a feature only an ended trial granted when asked, with the trial's end", () => {
    const kept = resolveEntitlements({ at: at(8), subscriptions: [trial], features, keepEndedTrials: true });
    expect(kept).toMatchObject([{ feature: "sso", trialEndsAt: at(7) }]);
  });

  it("lets no trial end a feature another plan grants without one", () => {
    for (const subscriptions of [
      [trial, plain],
      [plain, trial],
    ]) {
      const [during] = resolveEntitlements({ at: at(3), subscriptions, features });
      expect(during).toMatchObject({ trialEndsAt: null });
      expect(during?.plans.sort()).toEqual(["plain", "trial"]);
      const after = resolveEntitlements({ at: at(8), subscriptions, features, keepEndedTrials: true });
      expect(after).toMatchObject([{ trialEndsAt: null, plans: ["plain"] }]);
    }
  });
});
