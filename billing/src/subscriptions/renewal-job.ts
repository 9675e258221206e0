import { loadPlanVersion } from "../catalog/plan-record";
import type { EngineContext } from "../context";
import { recordHistory } from "../history/record-history";
import { closeSubscriptionPeriod } from "../invoices/close-period";
import { scheduleItemCycles } from "../invoices/item-cycles";
import type { Job } from "../jobs/run-due-jobs";
import { scheduleJob } from "../jobs/schedule-job";
import { attachGroupDefault } from "./attach-group-default";
import { computeRenewal } from "./compute-renewal";
import { lockSubscription } from "./lock-subscription";
import { type Subscription, serializeSubscription, updateSubscription } from "./subscription-record";

export const RENEWAL_JOB = "subscription.renew";

/** The job that closes a subscription's period at its end; its key makes it run once per period. */
export async function scheduleRenewal(ctx: EngineContext, sub: Subscription, clockId: string | null): Promise<void> {
  if (sub.endedAt) return;
  await scheduleItemCycles(ctx, sub, clockId);
  await scheduleJob(ctx, {
    key: `renew:${ctx.env}:${sub.id}:${sub.currentPeriodEnd.toISOString()}`,
    type: RENEWAL_JOB,
    runAt: sub.currentPeriodEnd,
    clockId,
    payload: { subscription: sub.id, periodEnd: sub.currentPeriodEnd.toISOString() },
  });
}

/** Setup → compute → execute, inside the job's transaction. */
export async function runRenewalJob(ctx: EngineContext, job: Job): Promise<void> {
  const subscriptionId = String(job.payload.subscription);
  const { sub } = await lockSubscription(ctx, subscriptionId);
  // A plan change or cancel since scheduling moved the period: this job is stale, the new one will run.
  if (sub.endedAt || sub.currentPeriodEnd.toISOString() !== job.payload.periodEnd) return;
  const currentPlan = await loadPlanVersion(ctx, sub.plan, sub.planVersion);
  const nextPlan = sub.scheduledChange
    ? await loadPlanVersion(ctx, sub.scheduledChange.plan, sub.scheduledChange.planVersion)
    : null;
  const { after, events } = computeRenewal({ sub, currentPlan, nextPlan });
  // The period invoice first: it reads the customer as it was during the period that ended.
  await closeSubscriptionPeriod(ctx, {
    sub,
    plan: currentPlan,
    periodStart: sub.currentPeriodStart,
    periodEnd: sub.currentPeriodEnd,
    next: after.endedAt ? null : { sub: after, plan: nextPlan ?? currentPlan },
    trial: sub.status === "trialing",
    clockId: job.clockId,
  });
  await updateSubscription(ctx, after);
  for (const type of events) {
    await recordHistory(ctx, {
      customerId: sub.customer,
      objectType: "subscription",
      objectId: sub.id,
      type,
      at: sub.currentPeriodEnd,
      before: serializeSubscription(sub),
      after: serializeSubscription(after),
    });
  }
  await scheduleRenewal(ctx, after, job.clockId);
  if (after.endedAt) await attachGroupDefault(ctx, after);
}
