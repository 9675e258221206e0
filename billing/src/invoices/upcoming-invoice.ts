import { LumenError } from "@lumen/core";
import { z } from "zod";
import { loadFeatureCatalog } from "../catalog/features";
import { loadPlanVersion } from "../catalog/plan-record";
import { type EngineContext, withTransaction } from "../context";
import { creditBalanceOf } from "../credit-balance/credit-balance";
import { loadCustomer } from "../customers/customer-record";
import { computeRenewal } from "../subscriptions/compute-renewal";
import { listLiveSubscriptions } from "../subscriptions/subscription-record";
import { advanceLinesOf } from "./advance-lines";
import { customerDetailsOf, finalizeAtOf, usageLinesOf } from "./close-period";
import { computeTotalsFor, withTotals } from "./finalize-invoice";
import { type DraftLine, newInvoice, serializeInvoice } from "./invoice-record";
import { loadInvoiceSettings } from "./invoice-settings";
import { loadLevels } from "./levels";
import { claimPendingItems } from "./pending-items";

export const upcomingInvoiceQuery = z.strictObject({ subscription: z.string().min(1).max(255).optional() });

/**
 * `GET /v1/customers/:id/upcoming-invoice` (PRODUCT §7): the invoice the next period close will produce, computed
 * the same way from what is known now (usage so far, the current seats, pending prorations, discounts, credit
 * balance). Of the subscription ending first, or the one asked for. Nothing is written.
 */
export async function getUpcomingInvoice({
  ctx,
  customerId,
  query,
}: {
  ctx: EngineContext;
  customerId: string;
  query: unknown;
}) {
  const parsed = upcomingInvoiceQuery.parse(query ?? {});
  // A transaction rolled back at the end: the pending items are read with the same code the close claims them with.
  return withTransaction(ctx, async (ctx) => {
    await loadCustomer(ctx, customerId);
    const live = (await listLiveSubscriptions(ctx, customerId)).sort(
      (a, b) => a.currentPeriodEnd.getTime() - b.currentPeriodEnd.getTime(),
    );
    const sub = parsed.subscription ? live.find((candidate) => candidate.id === parsed.subscription) : live[0];
    if (!sub) {
      throw new LumenError(
        "not_found",
        parsed.subscription
          ? `Customer '${customerId}' has no live subscription '${parsed.subscription}'`
          : `Customer '${customerId}' has no live subscription`,
      );
    }
    const plan = await loadPlanVersion(ctx, sub.plan, sub.planVersion);
    const nextPlan = sub.scheduledChange
      ? await loadPlanVersion(ctx, sub.scheduledChange.plan, sub.scheduledChange.planVersion)
      : null;
    const { after } = computeRenewal({ sub, currentPlan: plan, nextPlan });
    const usage =
      sub.status === "trialing"
        ? { lines: [] as DraftLine[] }
        : await usageLinesOf(ctx, {
            customerId,
            plan,
            anchor: sub.billingAnchor,
            periodStart: sub.currentPeriodStart,
            periodEnd: sub.currentPeriodEnd,
            waitForPipeline: false,
          });
    const advance = after.endedAt
      ? []
      : advanceLinesOf({
          plan: nextPlan ?? plan,
          features: await loadFeatureCatalog(ctx),
          levels: await loadLevels(ctx, customerId),
          anchor: after.billingAnchor,
          periodStart: after.currentPeriodStart,
          periodEnd: after.currentPeriodEnd,
          first: false,
        });
    const pending = await claimPendingItems(ctx, { customerId, subscriptionId: sub.id });
    const invoice = newInvoice({
      customer: customerId,
      subscription: sub.id,
      billingReason: "subscription_cycle",
      currency: plan.definition.currency,
      periodStart: sub.currentPeriodStart,
      periodEnd: sub.currentPeriodEnd,
      lines: [...usage.lines, ...advance, ...pending.lines],
      closeKey: null,
      closingLedgers: null,
      customerDetails: await customerDetailsOf(ctx, customerId),
      createdAt: sub.currentPeriodEnd,
      finalizeAt: null,
    });
    const computation = await computeTotalsFor(ctx, invoice, {
      creditBalance: await creditBalanceOf(ctx, customerId),
      // Its tax is the one of the day it will be finalized, as the close will make it.
      at: finalizeAtOf(sub.currentPeriodEnd, await loadInvoiceSettings(ctx)),
    });
    const view = serializeInvoice(withTotals(invoice, computation));
    return { ...view, id: null };
  });
}
