import {
  type CustomerDefinition,
  Decimal,
  type Ledger,
  type PeriodTotalsRequest,
  type PeriodTotalsResult,
  periodAt,
  QUERY_OPERATIONS,
  type ReadingsRequest,
  type ReadingsResult,
  ratePercentageOfReadings,
  roundMoney,
} from "@lumen/core";
import { loadFeatureCatalog } from "../catalog/features";
import type { PlanVersion } from "../catalog/plan-record";
import type { PlanDefinition, PlanInterval, PlanItem } from "../catalog/schemas";
import { db, type EngineContext } from "../context";
import { loadCustomer, toCustomerDetails } from "../customers/customer-record";
import { buildCustomerDefinition } from "../definitions/build-customer-definition";
import { scheduleJob } from "../jobs/schedule-job";
import { requirePipeline } from "../pipeline/pipeline-client";
import type { Subscription } from "../subscriptions/subscription-record";
import { advanceLinesOf } from "./advance-lines";
import { type DraftLine, hasInvoices, type Invoice, insertInvoice, newInvoice } from "./invoice-record";
import { loadInvoiceSettings } from "./invoice-settings";
import type { CustomerDetails } from "./invoice-view";
import { loadLevels } from "./levels";
import { claimPendingItems } from "./pending-items";
import { computeUsageCharges, usageRangesOf } from "./usage-charges";

export const FINALIZE_JOB = "invoice.finalize";

/** What one period close bills: the period that ended, and what starts after it (null when the subscription ends). */
export interface CloseInput {
  sub: Subscription;
  /** The plan in force at the period's end: it prices the period's usage. */
  plan: PlanVersion;
  periodStart: Date;
  periodEnd: Date;
  /** The subscription and plan of the period that starts, for its advance lines; null when it ended. */
  next: { sub: Subscription; plan: PlanVersion } | null;
  /** The ended period was a free trial: its usage is not charged. */
  trial: boolean;
  clockId: string | null;
  /**
   * A sub-period close (at a boundary of items with their own, shorter `billingInterval`): only the items billed on
   * these intervals; their advance lines start at `periodEnd`.
   */
  intervals?: readonly PlanInterval[];
}

/**
 * Closes a subscription's period (PRODUCT §7): one draft invoice with the ended period's usage beyond the
 * allowances (arrears), the advance lines of the period that starts, and the subscription's pending prorations.
 * It stays a draft for the grace period (late events still count; the finalize job recounts the usage), then is
 * finalized. The close key (subscription, period start) makes it exactly once: a second close inserts nothing.
 * No lines, no invoice (a free plan's periods). Runs in the caller's transaction.
 */
export async function closeSubscriptionPeriod(ctx: EngineContext, input: CloseInput): Promise<Invoice | null> {
  const { sub, plan, periodStart, periodEnd, next } = input;
  const closeKey = `${sub.id}:${periodStart.toISOString()}:${periodEnd.toISOString()}`;
  const { rows: done } = await db(ctx).query("SELECT 1 FROM invoices WHERE env = $1 AND close_key = $2", [
    ctx.env,
    closeKey,
  ]);
  if (done.length > 0) return null;
  const features = await loadFeatureCatalog(ctx);
  const usage = input.trial
    ? { lines: [] as DraftLine[], closingLedgers: null, definition: null }
    : await usageLinesOf(ctx, {
        customerId: sub.customer,
        plan,
        anchor: sub.billingAnchor,
        periodStart,
        periodEnd,
        ...(input.intervals ? { intervals: input.intervals } : {}),
      });
  const invoicedBefore = await hasInvoices(ctx, sub.id);
  const intervals = input.intervals;
  const advance = next
    ? advanceLinesOf({
        plan: intervals ? onlyIntervals(next.plan, intervals) : next.plan,
        features,
        levels: await loadLevels(ctx, sub.customer),
        anchor: next.sub.billingAnchor,
        periodStart: intervals ? periodEnd : next.sub.currentPeriodStart,
        periodEnd: next.sub.currentPeriodEnd,
        // A trial's first paid period: its one-time items bill now.
        first: !invoicedBefore,
      })
    : [];
  const pending = await claimPendingItems(ctx, { customerId: sub.customer, subscriptionId: sub.id });
  const lines = [...usage.lines, ...advance, ...pending.lines];
  if (lines.length === 0) return null;
  const settings = await loadInvoiceSettings(ctx);
  const finalizeAt = finalizeAtOf(periodEnd, settings);
  const invoice = newInvoice({
    customer: sub.customer,
    subscription: sub.id,
    billingReason: "subscription_cycle",
    currency: plan.definition.currency,
    periodStart,
    periodEnd,
    lines,
    closeKey,
    closingLedgers: usage.closingLedgers,
    usageDefinition: usage.definition,
    usagePlan: input.trial
      ? null
      : {
          plan: plan.plan,
          version: plan.version,
          anchor: sub.billingAnchor.toISOString(),
          ...(input.intervals ? { intervals: [...input.intervals] } : {}),
        },
    customerDetails: await customerDetailsOf(ctx, sub.customer),
    createdAt: periodEnd,
    finalizeAt,
  });
  if (!(await insertInvoice(ctx, invoice))) return null;
  await pending.markInvoiced(invoice.id);
  await scheduleJob(ctx, {
    key: `finalize:${ctx.env}:${invoice.id}`,
    type: FINALIZE_JOB,
    runAt: finalizeAt,
    clockId: input.clockId,
    payload: { invoice: invoice.id },
  });
  return invoice;
}

/**
 * The usage lines of the period, from the rollups once the pipeline has applied everything received until now
 * (the aggregators' watermark), priced by the plan in force at the period's end; plus the burn state at the next
 * period's start, for the next close.
 */
export async function usageLinesOf(
  ctx: EngineContext,
  {
    customerId,
    plan,
    anchor,
    periodStart,
    periodEnd,
    intervals,
    waitForPipeline = true,
    definition: given,
  }: {
    customerId: string;
    plan: PlanVersion;
    /** The subscription's billing anchor: where the items' own billing intervals start. */
    anchor: Date;
    periodStart: Date;
    periodEnd: Date;
    /** Only the items billed on these intervals (a sub-period close); all by default. */
    intervals?: readonly PlanInterval[];
    waitForPipeline?: boolean;
    /** The customer's definition as it was at the close (a finalization recounts against it); else as it is now. */
    definition?: CustomerDefinition | null;
  },
): Promise<{ lines: DraftLine[]; closingLedgers: Ledger[] | null; definition: CustomerDefinition | null }> {
  if (periodEnd.getTime() <= periodStart.getTime()) return { lines: [], closingLedgers: null, definition: null };
  const definition = given ?? (await buildCustomerDefinition(ctx, customerId, 0));
  // Items with their own billing interval bill the usage of their own last sub-period, not the whole period.
  const groups = itemsByBillingInterval(plan.definition)
    .filter(({ interval }) => intervals === undefined || intervals.includes(interval))
    .map(({ interval, items }) => ({
      definition: { ...plan.definition, items },
      start: new Date(
        Math.max(
          periodStart.getTime(),
          periodAt({ anchor, interval, at: new Date(periodEnd.getTime() - 1) }).start.getTime(),
        ),
      ),
    }));
  const wanted = groups.map((group) => ({
    group,
    ranges: usageRangesOf({
      definition,
      plan: group.definition,
      periodStart: group.start.getTime(),
      periodEnd: periodEnd.getTime(),
    }),
  }));
  const ranges = wanted.flatMap((entry) => entry.ranges);
  const featureNames = await featureNamesOf(ctx);
  const percentage = await percentageLinesOf(ctx, {
    customerId,
    plan,
    groups,
    periodEnd,
    waitForPipeline,
    featureNames,
  });
  if (ranges.length === 0) return { lines: percentage, closingLedgers: null, definition: null };
  const totals = await fetchTotals(ctx, { customer: customerId, ranges, waitForPipeline });
  const openingLedgers = await openingLedgersOf(ctx, { customerId, periodStart });
  const lines: DraftLine[] = [];
  const closing = new Map<string, Ledger>();
  for (const { group, ranges: groupRanges } of wanted) {
    if (groupRanges.length === 0) continue;
    const charges = computeUsageCharges({
      definition,
      plan: group.definition,
      planId: plan.plan,
      currency: plan.definition.currency,
      periodStart: group.start.getTime(),
      periodEnd: periodEnd.getTime(),
      totals: (from, to) => totals.get(`${from}:${to}`) ?? [],
      openingLedgers,
      featureNames,
    });
    for (const line of charges.lines) {
      lines.push({
        type: "usage",
        description: line.description,
        feature: line.feature,
        entity: line.entity,
        plan: plan.plan,
        quantity: line.quantity,
        unitAmount: line.unitAmount,
        amount: line.amount,
        periodStart: new Date(line.periodStart),
        periodEnd: new Date(line.periodEnd),
      });
    }
    for (const ledger of charges.closingLedgers) closing.set(`${ledger.feature}\u0000${ledger.entity ?? ""}`, ledger);
  }
  return { lines: [...lines, ...percentage], closingLedgers: [...closing.values()], definition };
}

/**
 * The lines of `percentage` prices (PRODUCT §3): rate% of each counted event's reading plus the fixed amount, clamped
 * per event, summed exactly and rounded once. They charge every event (an allowance does not apply to a fee).
 */
async function percentageLinesOf(
  ctx: EngineContext,
  {
    customerId,
    plan,
    groups,
    periodEnd,
    waitForPipeline,
    featureNames,
  }: {
    customerId: string;
    plan: PlanVersion;
    groups: { definition: PlanDefinition; start: Date }[];
    periodEnd: Date;
    waitForPipeline: boolean;
    featureNames: Record<string, string>;
  },
): Promise<DraftLine[]> {
  const lines: DraftLine[] = [];
  const pipeline = ctx.pipeline;
  for (const group of groups) {
    for (const item of group.definition.items) {
      if (item.type !== "feature" || item.price?.model !== "percentage") continue;
      if (group.start.getTime() >= periodEnd.getTime()) continue;
      const request: ReadingsRequest = {
        env: ctx.env,
        customer: customerId,
        feature: item.feature,
        from: group.start.getTime(),
        to: periodEnd.getTime(),
        waitUntil: waitForPipeline ? Date.now() : null,
      };
      const { readings } = await requirePipeline(pipeline).request<ReadingsResult>(
        requirePipeline(pipeline).names.querySubject(QUERY_OPERATIONS.readings),
        request,
      );
      const events = readings.reduce((sum, reading) => sum + reading.count, 0);
      if (events === 0) continue;
      const price = item.price;
      const name = featureNames[item.feature] ?? item.feature;
      lines.push({
        type: "usage",
        description: `${name}: ${price.rate}% of ${events} ${events === 1 ? "event" : "events"}${
          price.fixedAmount ? ` + ${price.fixedAmount} each` : ""
        }`,
        feature: item.feature,
        entity: null,
        plan: plan.plan,
        quantity: events,
        unitAmount: null,
        amount: roundMoney(ratePercentageOfReadings(price, readings), plan.definition.currency),
        periodStart: group.start,
        periodEnd,
      });
    }
  }
  return lines;
}

/** The plan with only the recurring items billed on `intervals` (a sub-period close). */
function onlyIntervals(plan: PlanVersion, intervals: readonly PlanInterval[]): PlanVersion {
  const items = plan.definition.items.filter(
    (item) => item.type !== "one_time" && intervals.includes(item.billingInterval ?? plan.definition.interval),
  );
  return { ...plan, definition: { ...plan.definition, items } };
}

/** The plan's feature items grouped by the interval they bill on (their own `billingInterval`, else the plan's). */
export function itemsByBillingInterval(definition: PlanDefinition): { interval: PlanInterval; items: PlanItem[] }[] {
  const groups = new Map<PlanInterval, PlanItem[]>();
  for (const item of definition.items) {
    if (item.type !== "feature") continue;
    const interval = item.billingInterval ?? definition.interval;
    groups.set(interval, [...(groups.get(interval) ?? []), item]);
  }
  return [...groups].map(([interval, items]) => ({ interval, items }));
}

async function fetchTotals(
  ctx: EngineContext,
  {
    customer,
    ranges,
    waitForPipeline,
  }: { customer: string; ranges: { from: number; to: number }[]; waitForPipeline: boolean },
): Promise<Map<string, PeriodTotalsResult["totals"]>> {
  const pipeline = requirePipeline(ctx.pipeline);
  // Everything the pipeline received until now (wall clock) counts: a test clock's events too.
  const waitUntil = waitForPipeline ? Date.now() : null;
  const results = await Promise.all(
    ranges.map(async ({ from, to }) => {
      const request: PeriodTotalsRequest = { env: ctx.env, customer, from, to, waitUntil };
      const result = await pipeline.request<PeriodTotalsResult>(
        pipeline.names.querySubject(QUERY_OPERATIONS.periodTotals),
        request,
      );
      return [`${from}:${to}`, result.totals] as const;
    }),
  );
  return new Map(results);
}

/** The burn state at the period's start: kept by the previous close, else the owner's snapshot's. */
async function openingLedgersOf(
  ctx: EngineContext,
  { customerId, periodStart }: { customerId: string; periodStart: Date },
): Promise<Ledger[]> {
  const { rows } = await db(ctx).query<{ closing_ledgers: Ledger[] }>(
    `SELECT closing_ledgers FROM invoices WHERE env = $1 AND customer_id = $2 AND closing_ledgers IS NOT NULL
       AND period_end <= $3 ORDER BY period_end DESC LIMIT 1`,
    [ctx.env, customerId, periodStart],
  );
  if (rows[0]) return rows[0].closing_ledgers;
  if (!ctx.pipeline) return [];
  const snapshot = await ctx.pipeline.snapshot(ctx.env, customerId);
  return (snapshot?.ledgers ?? []).filter((ledger) => ledger.periodStart <= periodStart.getTime());
}

async function featureNamesOf(ctx: EngineContext): Promise<Record<string, string>> {
  const { rows } = await db(ctx).query<{ id: string; name: string }>("SELECT id, name FROM features WHERE env = $1", [
    ctx.env,
  ]);
  return Object.fromEntries(rows.map((row) => [row.id, row.name]));
}

/** When a period invoice closed at `periodEnd` is finalized: after the grace period (PRODUCT §7). */
export function finalizeAtOf(periodEnd: Date, settings: { gracePeriodSeconds: number }): Date {
  return new Date(periodEnd.getTime() + settings.gracePeriodSeconds * 1000);
}

export async function customerDetailsOf(ctx: EngineContext, customerId: string): Promise<CustomerDetails> {
  return toCustomerDetails(await loadCustomer(ctx, customerId));
}

/** Nothing in a line list: used by callers to skip empty invoices. */
export function sumOfLines(lines: readonly DraftLine[]): Decimal {
  return lines.reduce((sum, line) => sum.plus(line.amount), new Decimal(0));
}
