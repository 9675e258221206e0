import { computePlanChangeProration, LumenError } from "@lumen/core";
import { loadFeatureCatalog } from "../catalog/features";
import { loadPlanVersion } from "../catalog/plan-record";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, withTransaction } from "../context";
import { recordHistory } from "../history/record-history";
import { recurringAmountOf } from "../invoices/advance-lines";
import type { ProrationBehavior } from "../invoices/change-invoices";
import { closeSubscriptionPeriod } from "../invoices/close-period";
import { loadLevels } from "../invoices/levels";
import { addPendingItems } from "../invoices/pending-items";
import { attachGroupDefault } from "./attach-group-default";
import { lockSubscription } from "./lock-subscription";
import { type CancelInput, cancelInput } from "./schemas";
import { loadSubscription, type Subscription, serializeSubscription, updateSubscription } from "./subscription-record";

/** `POST /v1/subscriptions/:id/cancel`: at period end (default) or now. */
export async function cancelSubscription({
  ctx,
  id,
  input,
  fallBackToDefault = true,
}: {
  ctx: EngineContext;
  id: string;
  input: CancelInput | unknown;
  /** Attach the group's default plan when a base plan ends now (not when the customer is deleted). */
  fallBackToDefault?: boolean;
}) {
  const parsed = cancelInput.parse(input ?? {});
  return withTransaction(ctx, async (ctx) => {
    const { sub, customer } = await lockSubscription(ctx, id);
    if (sub.endedAt) throw new LumenError("conflict", `Subscription '${id}' has already ended`);
    if (sub.status === "pending") {
      throw new LumenError(
        "conflict",
        `Subscription '${id}' waits for its checkout: it starts only if the customer completes it, else it expires`,
      );
    }
    const now = await customerNow(ctx, customer);
    const after: Subscription =
      parsed.when === "now"
        ? { ...sub, status: "canceled", canceledAt: now, endedAt: now, cancelAtPeriodEnd: false, scheduledChange: null }
        : { ...sub, cancelAtPeriodEnd: true, canceledAt: now, scheduledChange: null };
    const next = { ...after, version: sub.version + 1, updatedAt: now };
    if (parsed.when === "now")
      await closeCanceledPeriod(ctx, { sub, now, behavior: parsed.prorationBehavior ?? "none" });
    await updateSubscription(ctx, next);
    await recordHistory(ctx, {
      customerId: sub.customer,
      objectType: "subscription",
      objectId: sub.id,
      type: parsed.when === "now" ? "subscription.canceled" : "subscription.cancel_scheduled",
      at: now,
      before: serializeSubscription(sub),
      after: serializeSubscription(next),
    });
    if (next.endedAt && fallBackToDefault) await attachGroupDefault(ctx, next);
    return serializeSubscription(next);
  });
}

/**
 * A cancel now ends the period now: its usage so far is invoiced (a draft for the grace period, like any close),
 * with a credit for the unused time of what was paid in advance unless `prorationBehavior` is `none` (the default).
 */
async function closeCanceledPeriod(
  ctx: EngineContext,
  { sub, now, behavior }: { sub: Subscription; now: Date; behavior: ProrationBehavior },
): Promise<void> {
  const plan = await loadPlanVersion(ctx, sub.plan, sub.planVersion);
  const trial = sub.status === "trialing";
  if (behavior !== "none" && !trial) {
    const features = await loadFeatureCatalog(ctx);
    const levels = await loadLevels(ctx, sub.customer);
    const credit = computePlanChangeProration({
      from: { name: plan.definition.name, amount: recurringAmountOf({ plan, features, levels }) },
      to: null,
      periodStart: sub.currentPeriodStart.getTime(),
      periodEnd: sub.currentPeriodEnd.getTime(),
      at: now.getTime(),
      currency: plan.definition.currency,
    });
    await addPendingItems(ctx, {
      customerId: sub.customer,
      subscriptionId: sub.id,
      currency: plan.definition.currency,
      lines: credit.map((line) => ({
        type: "proration",
        description: line.description,
        feature: null,
        entity: null,
        plan: plan.plan,
        quantity: line.quantity,
        unitAmount: line.unitAmount,
        amount: line.amount,
        periodStart: new Date(line.periodStart),
        periodEnd: new Date(line.periodEnd),
      })),
    });
  }
  const { rows } = await db(ctx).query<{ test_clock_id: string | null }>(
    "SELECT test_clock_id FROM customers WHERE env = $1 AND id = $2",
    [ctx.env, sub.customer],
  );
  await closeSubscriptionPeriod(ctx, {
    sub,
    plan,
    periodStart: sub.currentPeriodStart,
    periodEnd: now,
    next: null,
    trial,
    clockId: rows[0]?.test_clock_id ?? null,
  });
}

/** `POST /v1/subscriptions/:id/resume`: undoes a scheduled cancel. */
export async function resumeSubscription({ ctx, id }: { ctx: EngineContext; id: string }) {
  return withTransaction(ctx, async (ctx) => {
    const { sub, customer } = await lockSubscription(ctx, id);
    if (sub.endedAt) throw new LumenError("conflict", `Subscription '${id}' has ended and cannot be resumed`);
    if (!sub.cancelAtPeriodEnd) throw new LumenError("conflict", `Subscription '${id}' has no scheduled cancel`);
    const now = await customerNow(ctx, customer);
    const next: Subscription = {
      ...sub,
      cancelAtPeriodEnd: false,
      canceledAt: null,
      version: sub.version + 1,
      updatedAt: now,
    };
    await updateSubscription(ctx, next);
    await recordHistory(ctx, {
      customerId: sub.customer,
      objectType: "subscription",
      objectId: sub.id,
      type: "subscription.resumed",
      at: now,
      before: serializeSubscription(sub),
      after: serializeSubscription(next),
    });
    return serializeSubscription(next);
  });
}

export async function getSubscription({ ctx, id }: { ctx: EngineContext; id: string }) {
  return serializeSubscription(await loadSubscription(ctx, id));
}
