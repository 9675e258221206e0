import { nextBoundaryAfter, periodAt } from "@lumen/core";
import { loadPlanVersion, type PlanVersion } from "../catalog/plan-record";
import type { PlanInterval } from "../catalog/schemas";
import type { EngineContext } from "../context";
import type { Job } from "../jobs/run-due-jobs";
import { scheduleJob } from "../jobs/schedule-job";
import { lockSubscription } from "../subscriptions/lock-subscription";
import type { Subscription } from "../subscriptions/subscription-record";
import { closeSubscriptionPeriod } from "./close-period";

export const ITEM_CYCLE_JOB = "invoice.item_cycle";

/** The intervals of the plan's items that bill more often than the plan (PRODUCT §3 `billingInterval`). */
function shorterIntervals(plan: PlanVersion): PlanInterval[] {
  const own = new Set<PlanInterval>();
  for (const item of plan.definition.items) {
    if (item.type === "one_time" || item.billingInterval === undefined) continue;
    if (item.billingInterval !== plan.definition.interval) own.add(item.billingInterval);
  }
  return [...own];
}

/**
 * Schedules a close at each boundary of the plan's shorter item intervals inside the subscription's current period
 * (an annual plan whose usage bills monthly closes those items every month). Keys make it idempotent.
 */
export async function scheduleItemCycles(ctx: EngineContext, sub: Subscription, clockId: string | null): Promise<void> {
  if (sub.endedAt) return;
  const plan = await loadPlanVersion(ctx, sub.plan, sub.planVersion);
  const boundaries = new Set<number>();
  for (const interval of shorterIntervals(plan)) {
    let at = sub.currentPeriodStart;
    for (let step = 0; step < 60; step++) {
      at = nextBoundaryAfter({ anchor: sub.billingAnchor, interval, at });
      if (at.getTime() >= sub.currentPeriodEnd.getTime()) break;
      boundaries.add(at.getTime());
    }
  }
  for (const time of boundaries) {
    const at = new Date(time);
    await scheduleJob(ctx, {
      key: `items:${ctx.env}:${sub.id}:${at.toISOString()}`,
      type: ITEM_CYCLE_JOB,
      runAt: at,
      clockId,
      payload: { subscription: sub.id, at: at.toISOString(), periodStart: sub.currentPeriodStart.toISOString() },
    });
  }
}

/** Closes the items whose own billing interval ends at the job's time; stale when the period moved meanwhile. */
export async function runItemCycleJob(ctx: EngineContext, job: Job): Promise<void> {
  const { sub } = await lockSubscription(ctx, String(job.payload.subscription));
  const at = new Date(String(job.payload.at));
  if (sub.endedAt || sub.currentPeriodStart.toISOString() !== job.payload.periodStart) return;
  if (at.getTime() <= sub.currentPeriodStart.getTime() || at.getTime() >= sub.currentPeriodEnd.getTime()) return;
  const plan = await loadPlanVersion(ctx, sub.plan, sub.planVersion);
  const intervals = shorterIntervals(plan).filter(
    (interval) => periodAt({ anchor: sub.billingAnchor, interval, at }).start.getTime() === at.getTime(),
  );
  if (intervals.length === 0) return;
  // The sub-period that ended: from the latest boundary of the shortest of these intervals (or the period's start).
  const periodStart = new Date(
    Math.max(
      sub.currentPeriodStart.getTime(),
      ...intervals.map((interval) =>
        periodAt({ anchor: sub.billingAnchor, interval, at: new Date(at.getTime() - 1) }).start.getTime(),
      ),
    ),
  );
  await closeSubscriptionPeriod(ctx, {
    sub,
    plan,
    periodStart,
    periodEnd: at,
    next: { sub, plan },
    trial: sub.status === "trialing",
    clockId: job.clockId,
    intervals,
  });
}
