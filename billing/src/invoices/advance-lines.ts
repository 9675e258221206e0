import { Decimal, nextBoundaryAfter, periodAt, ratePrice, remainingFraction, roundMoney } from "@lumen/core";
import type { PlanVersion } from "../catalog/plan-record";
import type { FeatureCatalog } from "../catalog/plan-rules";
import type { FeatureItem, PlanInterval } from "../catalog/schemas";
import type { DraftLine } from "./invoice-record";

/**
 * The lines billed in advance for the period that starts at `periodStart` (PRODUCT §3, §7): each fixed fee, each
 * priced gauge at its current level (seats), and, on a subscription's first invoice, its one-time items. An item
 * with its own `billingInterval` bills its own first sub-period here ([periodStart, its next boundary)).
 */
export function advanceLinesOf({
  plan,
  features,
  levels,
  anchor,
  periodStart,
  periodEnd,
  first,
  prorate = false,
}: {
  plan: PlanVersion;
  features: FeatureCatalog;
  /** The current level of each gauge feature (seats: active entities). */
  levels: ReadonlyMap<string, number>;
  anchor: Date;
  periodStart: Date;
  periodEnd: Date;
  /** The subscription's first invoice: one-time items bill once, here. */
  first: boolean;
  /**
   * A first period that starts between two anchor boundaries (a `billingAnchor` ahead): recurring items bill the
   * remaining fraction of their interval (Stripe's prorated first period), per second, each line rounded.
   */
  prorate?: boolean;
}): DraftLine[] {
  const definition = plan.definition;
  const currency = definition.currency;
  const lines: DraftLine[] = [];
  const fractionOf = (interval: PlanInterval | undefined): Decimal => {
    if (!prorate) return new Decimal(1);
    const full = periodAt({ anchor, interval: interval ?? definition.interval, at: periodStart });
    return remainingFraction({
      periodStart: full.start.getTime(),
      periodEnd: full.end.getTime(),
      at: periodStart.getTime(),
    });
  };
  const itemEnd = (interval: PlanInterval | undefined) =>
    interval === undefined || interval === definition.interval
      ? periodEnd
      : new Date(Math.min(periodEnd.getTime(), nextBoundaryAfter({ anchor, interval, at: periodStart }).getTime()));
  for (const item of definition.items) {
    if (item.type === "one_time") {
      if (!first) continue;
      const amount = roundMoney(new Decimal(item.amount), currency);
      lines.push({
        type: "one_time",
        description: item.description ?? `${definition.name}: one-time fee`,
        feature: null,
        entity: null,
        plan: plan.plan,
        quantity: 1,
        unitAmount: new Decimal(item.amount),
        amount,
        periodStart,
        periodEnd: itemEnd(undefined),
      });
      continue;
    }
    if (item.type === "fixed") {
      lines.push({
        type: "fixed",
        description: item.description ?? definition.name,
        feature: null,
        entity: null,
        plan: plan.plan,
        quantity: 1,
        unitAmount: new Decimal(item.amount),
        amount: roundMoney(new Decimal(item.amount).times(fractionOf(item.billingInterval)), currency),
        periodStart,
        periodEnd: itemEnd(item.billingInterval),
      });
      continue;
    }
    const line = gaugeLine({
      item,
      plan,
      features,
      levels,
      periodStart,
      periodEnd: itemEnd(item.billingInterval),
      fraction: fractionOf(item.billingInterval),
    });
    if (line) lines.push(line);
  }
  return lines;
}

/** A priced gauge (seats) billed in advance at its level: quantity beyond `included`, priced by the item. */
function gaugeLine({
  item,
  plan,
  features,
  levels,
  periodStart,
  periodEnd,
  fraction,
}: {
  item: FeatureItem;
  plan: PlanVersion;
  features: FeatureCatalog;
  levels: ReadonlyMap<string, number>;
  periodStart: Date;
  periodEnd: Date;
  fraction: Decimal;
}): DraftLine | null {
  if (item.price === undefined || item.price.model === "percentage") return null;
  if (features.get(item.feature)?.type !== "gauge") return null;
  const level = Math.max(0, levels.get(item.feature) ?? 0);
  const amount = gaugeAmount(item, level);
  if (amount === null) return null;
  const billable = billableLevel(item, level);
  return {
    type: "seats",
    description: `${plan.definition.name}: ${item.feature} × ${level}${
      billable !== level ? ` (${level - billable} included)` : ""
    }`,
    feature: item.feature,
    entity: null,
    plan: plan.plan,
    quantity: billable,
    unitAmount: item.price.model === "per_unit" ? new Decimal(item.price.unitAmount) : null,
    amount: roundMoney(amount.times(fraction), plan.definition.currency),
    periodStart,
    periodEnd,
  };
}

/** The level beyond the item's free units. */
export function billableLevel(item: FeatureItem, level: number): number {
  const included = item.included === "unlimited" ? level : item.included;
  return Math.max(0, level - included);
}

/** A gauge item's price for one whole interval at `level`, exact; null when it has no quantity price. */
export function gaugeAmount(item: FeatureItem, level: number): Decimal | null {
  if (item.price === undefined || item.price.model === "percentage") return null;
  return ratePrice(item.price, billableLevel(item, level));
}

/**
 * A plan's recurring amount per plan interval at the given levels, exact: what a change of plan prorates (fixed fees
 * and priced gauges billed on the plan's own interval; items with their own billing interval are left out).
 */
export function recurringAmountOf({
  plan,
  features,
  levels,
}: {
  plan: PlanVersion;
  features: FeatureCatalog;
  levels: ReadonlyMap<string, number>;
}): Decimal {
  let total = new Decimal(0);
  for (const item of plan.definition.items) {
    if (item.type === "one_time") continue;
    if (item.billingInterval !== undefined && item.billingInterval !== plan.definition.interval) continue;
    if (item.type === "fixed") {
      total = total.plus(item.amount);
      continue;
    }
    if (features.get(item.feature)?.type !== "gauge") continue;
    total = total.plus(gaugeAmount(item, Math.max(0, levels.get(item.feature) ?? 0)) ?? 0);
  }
  return total;
}
