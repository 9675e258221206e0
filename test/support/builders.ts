import type { Subscription } from "../../billing/src/subscriptions/subscription-record";

/**
 * An active monthly subscription whose current period is [start, end); tests override what they are about.
 */
export function aSubscription({
  start,
  end,
  ...overrides
}: Partial<Subscription> & { start: Date; end: Date }): Subscription {
  return {
    id: "sub_1",
    customer: "acme",
    plan: "pro",
    planVersion: 1,
    group: "main",
    addOn: false,
    status: "active",
    billingAnchor: start,
    currentPeriodStart: start,
    currentPeriodEnd: end,
    trialStart: null,
    trialEnd: null,
    cancelAtPeriodEnd: false,
    canceledAt: null,
    endedAt: null,
    scheduledChange: null,
    planStartedAt: start,
    version: 1,
    createdAt: start,
    updatedAt: start,
    ...overrides,
  };
}
