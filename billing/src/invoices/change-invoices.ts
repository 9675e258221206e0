import { computePlanChangeProration, LumenError, ratePrice, remainingFraction, roundMoney } from "@lumen/core";
import { loadFeatureCatalog } from "../catalog/features";
import type { PlanVersion } from "../catalog/plan-record";
import type { EngineContext } from "../context";
import type { Subscription } from "../subscriptions/subscription-record";
import { advanceLinesOf, billableLevel, recurringAmountOf } from "./advance-lines";
import { closeSubscriptionPeriod, customerDetailsOf } from "./close-period";
import { collectImmediately } from "./collect";
import { finalizeInvoice } from "./finalize-invoice";
import { type DraftLine, hasInvoices, insertInvoice, newInvoice, serializeInvoice } from "./invoice-record";
import type { BillingReason, InvoiceView } from "./invoice-view";
import { loadLevels } from "./levels";
import { addPendingItems } from "./pending-items";

export type ProrationBehavior = "always_invoice" | "create_prorations" | "none";

/**
 * The invoice of a new subscription (PRODUCT §6, §7): the advance lines of its first period and its one-time items,
 * finalized at once. A trial's first invoice comes at trial end; a plan without prices makes none.
 */
export async function invoiceNewSubscription(
  ctx: EngineContext,
  { sub, plan, now }: { sub: Subscription; plan: PlanVersion; now: Date },
): Promise<InvoiceView | null> {
  if (sub.status === "trialing") return null;
  const lines = advanceLinesOf({
    plan,
    features: await loadFeatureCatalog(ctx),
    levels: await loadLevels(ctx, sub.customer),
    anchor: sub.billingAnchor,
    periodStart: sub.currentPeriodStart,
    periodEnd: sub.currentPeriodEnd,
    first: true,
    prorate: true,
  });
  return invoiceNow(ctx, { sub, currency: plan.definition.currency, lines, now, reason: "subscription_create" });
}

/**
 * A plan change that takes effect now (PRODUCT §7): "Unused time on <old>" and "Remaining time on <new>", per second.
 * When the new plan restarts the period (another interval), the old plan's unused time is credited and the new
 * period billed in advance. A trial charged nothing, so leaving one credits nothing; entering one charges nothing.
 * `always_invoice` bills at once (a negative total goes to the credit balance), `create_prorations` adds the lines
 * to the next invoice, `none` drops the proration.
 */
export async function invoicePlanChange(
  ctx: EngineContext,
  {
    before,
    after,
    fromPlan,
    toPlan,
    behavior,
    now,
  }: {
    before: Subscription;
    after: Subscription;
    fromPlan: PlanVersion;
    toPlan: PlanVersion;
    behavior: ProrationBehavior;
    now: Date;
  },
): Promise<InvoiceView | null> {
  const features = await loadFeatureCatalog(ctx);
  const levels = await loadLevels(ctx, before.customer);
  const currency = toPlan.definition.currency;
  const fromAmount = recurringAmountOf({ plan: fromPlan, features, levels });
  // A new period started now (another interval), or the subscription leaves a free plan: the new plan bills a
  // whole period in advance rather than a remainder.
  const restarted =
    after.currentPeriodStart.getTime() !== before.currentPeriodStart.getTime() ||
    after.currentPeriodEnd.getTime() !== before.currentPeriodEnd.getTime() ||
    fromAmount.isZero();
  const wasPaying = before.status !== "trialing";
  const nowPaying = after.status !== "trialing";
  const from = wasPaying ? { name: fromPlan.definition.name, amount: fromAmount } : null;
  const to =
    nowPaying && !restarted
      ? { name: toPlan.definition.name, amount: recurringAmountOf({ plan: toPlan, features, levels }) }
      : null;
  const proration: DraftLine[] = computePlanChangeProration({
    from,
    to,
    periodStart: before.currentPeriodStart.getTime(),
    periodEnd: before.currentPeriodEnd.getTime(),
    at: now.getTime(),
    currency,
  }).map((line) => ({
    type: "proration",
    description: line.description,
    feature: null,
    entity: null,
    plan: line.description.startsWith("Unused") ? fromPlan.plan : toPlan.plan,
    quantity: line.quantity,
    unitAmount: line.unitAmount,
    amount: line.amount,
    periodStart: new Date(line.periodStart),
    periodEnd: new Date(line.periodEnd),
  }));
  // A new period starting now (another interval, or leaving a free plan) bills in advance like a first period; its
  // one-time items too when the subscription never had an invoice.
  const invoicedBefore = await hasInvoices(ctx, after.id);
  const advance =
    restarted && nowPaying
      ? advanceLinesOf({
          plan: toPlan,
          features,
          levels,
          anchor: after.billingAnchor,
          periodStart: after.currentPeriodStart,
          periodEnd: after.currentPeriodEnd,
          first: !invoicedBefore,
        })
      : [];
  const prorated = behavior === "none" ? [] : proration;
  if (behavior === "create_prorations") {
    await addPendingItems(ctx, { customerId: after.customer, subscriptionId: after.id, currency, lines: prorated });
    return invoiceNow(ctx, { sub: after, currency, lines: advance, now, reason: "subscription_update" });
  }
  return invoiceNow(ctx, {
    sub: after,
    currency,
    lines: [...prorated, ...advance],
    now,
    reason: "subscription_update",
  });
}

/**
 * A change now that starts a new period (another interval, leaving a free plan) ends the current one early: its usage
 * so far is closed like any period (a draft for the grace period), priced by the plan in force until now. Call it
 * before the subscription is written, so that the close reads the customer as it was during that period.
 */
export async function closeRestartedPeriod(
  ctx: EngineContext,
  {
    before,
    after,
    fromPlan,
    now,
    clockId,
  }: { before: Subscription; after: Subscription; fromPlan: PlanVersion; now: Date; clockId: string | null },
): Promise<void> {
  if (after.currentPeriodStart.getTime() === before.currentPeriodStart.getTime()) return;
  if (now.getTime() <= before.currentPeriodStart.getTime()) return;
  await closeSubscriptionPeriod(ctx, {
    sub: before,
    plan: fromPlan,
    periodStart: before.currentPeriodStart,
    periodEnd: now,
    next: null,
    trial: before.status === "trialing",
    clockId,
  });
}

/**
 * Seats added or removed now (PRODUCT §7): one line of the price difference for the rest of the period. Added seats
 * are invoiced at once (`always_invoice`, the default for increases); removed ones are credited on the next invoice
 * (`create_prorations`, the default for decreases).
 */
export async function invoiceSeatChange(
  ctx: EngineContext,
  {
    sub,
    plan,
    feature,
    levelBefore,
    levelAfter,
    now,
    behavior,
  }: {
    sub: Subscription;
    plan: PlanVersion;
    feature: string;
    levelBefore: number;
    levelAfter: number;
    now: Date;
    behavior?: ProrationBehavior;
  },
): Promise<InvoiceView | null> {
  if (sub.status === "trialing" || sub.endedAt) return null;
  const item = plan.definition.items.find((candidate) => candidate.type === "feature" && candidate.feature === feature);
  if (item?.type !== "feature" || item.price === undefined || item.price.model === "percentage") return null;
  if (item.billingInterval !== undefined && item.billingInterval !== plan.definition.interval) return null;
  const currency = plan.definition.currency;
  const difference = ratePrice(item.price, billableLevel(item, levelAfter)).minus(
    ratePrice(item.price, billableLevel(item, levelBefore)),
  );
  if (difference.isZero()) return null;
  const change = levelAfter - levelBefore;
  const fraction = remainingFraction({
    periodStart: sub.currentPeriodStart.getTime(),
    periodEnd: sub.currentPeriodEnd.getTime(),
    at: now.getTime(),
  });
  const line: DraftLine = {
    type: "proration",
    description: `${change > 0 ? "Remaining" : "Unused"} time on ${Math.abs(change)} × ${feature} (${
      plan.definition.name
    })`,
    feature,
    entity: null,
    plan: plan.plan,
    quantity: change,
    unitAmount: difference.dividedBy(change),
    amount: roundMoney(difference.times(fraction), currency),
    periodStart: now,
    periodEnd: sub.currentPeriodEnd,
  };
  if (line.amount.isZero()) return null;
  const chosen = behavior ?? (change > 0 ? "always_invoice" : "create_prorations");
  if (chosen === "none") return null;
  if (chosen === "create_prorations") {
    await addPendingItems(ctx, { customerId: sub.customer, subscriptionId: sub.id, currency, lines: [line] });
    return null;
  }
  return invoiceNow(ctx, { sub, currency, lines: [line], now, reason: "subscription_update" });
}

/** An invoice of `lines` made and finalized now; null when there are none. */
async function invoiceNow(
  ctx: EngineContext,
  {
    sub,
    currency,
    lines,
    now,
    reason,
  }: { sub: Subscription; currency: string; lines: DraftLine[]; now: Date; reason: BillingReason },
): Promise<InvoiceView | null> {
  if (lines.length === 0) return null;
  const invoice = newInvoice({
    customer: sub.customer,
    subscription: sub.id,
    billingReason: reason,
    currency,
    periodStart: now,
    periodEnd: sub.currentPeriodEnd,
    lines,
    closeKey: null,
    closingLedgers: null,
    customerDetails: await customerDetailsOf(ctx, sub.customer),
    createdAt: now,
    finalizeAt: null,
  });
  await insertInvoice(ctx, invoice);
  const final = await finalizeInvoice(ctx, invoice, now);
  const collection = await collectImmediately(ctx, final);
  if (collection === "failed") {
    // The caller's transaction rolls back: the change, its invoice and its number never happened.
    throw new LumenError("conflict", `The payment of the change's invoice failed; nothing was changed`);
  }
  return serializeInvoice(final);
}
