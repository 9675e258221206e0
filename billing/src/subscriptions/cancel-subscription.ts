import { LumenError } from "@lumen/core";
import { customerNow } from "../clocks/customer-time";
import { type EngineContext, withTransaction } from "../context";
import { recordHistory } from "../history/record-history";
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
    const now = await customerNow(ctx, customer);
    const after: Subscription =
      parsed.when === "now"
        ? { ...sub, status: "canceled", canceledAt: now, endedAt: now, cancelAtPeriodEnd: false, scheduledChange: null }
        : { ...sub, cancelAtPeriodEnd: true, canceledAt: now, scheduledChange: null };
    const next = { ...after, version: sub.version + 1, updatedAt: now };
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
