import { nextBoundaryAfter } from "@lumen/core";
import type { PlanVersion } from "../catalog/plan-record";
import type { Subscription } from "./subscription-record";

export interface RenewalDecision {
  after: Subscription;
  /** History event types, in the order they happened at the boundary. */
  events: (
    | "subscription.trial_ended"
    | "subscription.plan_changed"
    | "subscription.canceled"
    | "subscription.renewed"
  )[];
}

/**
 * What happens to a subscription at the end of its current period (pure): a scheduled cancel ends it; a trial
 * becomes active; a scheduled change (downgrade, version migration) takes effect; the next period starts.
 * Issue 4 adds the period invoice beside this decision.
 */
export function computeRenewal({
  sub,
  currentPlan,
  nextPlan,
}: {
  sub: Subscription;
  currentPlan: PlanVersion;
  /** The plan of the scheduled change, when there is one. */
  nextPlan: PlanVersion | null;
}): RenewalDecision {
  const boundary = sub.currentPeriodEnd;
  const base = { ...sub, version: sub.version + 1, updatedAt: boundary };
  if (sub.cancelAtPeriodEnd) {
    return {
      after: { ...base, status: "canceled", endedAt: boundary, scheduledChange: null },
      events: ["subscription.canceled"],
    };
  }
  const events: RenewalDecision["events"] = [];
  let after: Subscription = base;
  if (sub.status === "trialing" && sub.trialEnd && sub.trialEnd.getTime() <= boundary.getTime()) {
    after = { ...after, status: "active" };
    events.push("subscription.trial_ended");
  }
  let interval = currentPlan.definition.interval;
  if (sub.scheduledChange && nextPlan) {
    const newInterval = nextPlan.definition.interval;
    after = {
      ...after,
      plan: nextPlan.plan,
      planVersion: nextPlan.version,
      group: nextPlan.definition.addOn ? null : (nextPlan.definition.group ?? null),
      billingAnchor: newInterval === interval ? after.billingAnchor : boundary,
      scheduledChange: null,
      planStartedAt: boundary,
    };
    interval = newInterval;
    events.push("subscription.plan_changed");
  }
  after = {
    ...after,
    currentPeriodStart: boundary,
    currentPeriodEnd: nextBoundaryAfter({ anchor: after.billingAnchor, interval, at: boundary }),
  };
  events.push("subscription.renewed");
  return { after, events };
}
