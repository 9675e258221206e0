import { Decimal, roundMoney } from "../money";

/** A proration line of PRODUCT §7: credit of the unused time, or charge of the remaining time. */
export interface ProrationLine {
  type: "proration";
  description: string;
  quantity: number;
  /** The full-period price of one unit, exact. */
  unitAmount: Decimal;
  /** Rounded half-up to the currency's minor unit (`roundMoney`). */
  amount: Decimal;
  /** The part of the period it covers, ms: [at, periodEnd). */
  periodStart: number;
  periodEnd: number;
}

/**
 * The fraction of `[periodStart, periodEnd)` left at `at` (PRODUCT §7), per second: `(end − t) / (end − start)` with
 * each instant truncated to its second; 0 at or after the end, 1 at or before the start.
 */
export function remainingFraction({
  periodStart,
  periodEnd,
  at,
}: {
  periodStart: number;
  periodEnd: number;
  at: number;
}): Decimal {
  const start = Math.floor(periodStart / 1000);
  const end = Math.floor(periodEnd / 1000);
  const now = Math.min(end, Math.max(start, Math.floor(at / 1000)));
  if (end <= start) return new Decimal(0);
  return new Decimal(end - now).dividedBy(end - start);
}

/**
 * A change of price at `at` within the period (a plan change that takes effect now, PRODUCT §7): "Unused time on …"
 * of `−old × f` and "Remaining time on …" of `+new × f`, each rounded half-up to the minor unit. Stripe's example:
 * 10.00 → 20.00 exactly half-way gives −5.00 and +10.00. A side with no price (null) gives no line.
 */
export function computePlanChangeProration({
  from,
  to,
  periodStart,
  periodEnd,
  at,
  currency,
}: {
  from: { name: string; amount: Decimal } | null;
  to: { name: string; amount: Decimal } | null;
  periodStart: number;
  periodEnd: number;
  at: number;
  currency: string;
}): ProrationLine[] {
  const fraction = remainingFraction({ periodStart, periodEnd, at });
  const lines: ProrationLine[] = [];
  const part = { periodStart: Math.max(periodStart, at), periodEnd };
  if (from && !from.amount.isZero()) {
    lines.push({
      type: "proration",
      description: `Unused time on ${from.name}`,
      quantity: 1,
      unitAmount: from.amount,
      amount: roundMoney(from.amount.times(fraction).negated(), currency),
      ...part,
    });
  }
  if (to && !to.amount.isZero()) {
    lines.push({
      type: "proration",
      description: `Remaining time on ${to.name}`,
      quantity: 1,
      unitAmount: to.amount,
      amount: roundMoney(to.amount.times(fraction), currency),
      ...part,
    });
  }
  return lines;
}

/**
 * Seats added (`change` > 0) or removed (< 0) at `at` (PRODUCT §7): one line of `change × unitAmount × f`, rounded
 * half-up; a removal is a credit. No line when nothing changes or the seat has no price.
 */
export function computeSeatProration({
  change,
  unitAmount,
  name,
  periodStart,
  periodEnd,
  at,
  currency,
}: {
  change: number;
  unitAmount: Decimal;
  name: string;
  periodStart: number;
  periodEnd: number;
  at: number;
  currency: string;
}): ProrationLine[] {
  if (change === 0 || unitAmount.isZero()) return [];
  const fraction = remainingFraction({ periodStart, periodEnd, at });
  const count = Math.abs(change);
  const description =
    change > 0 ? `Remaining time on ${count} × ${name} (added)` : `Unused time on ${count} × ${name} (removed)`;
  return [
    {
      type: "proration",
      description,
      quantity: change,
      unitAmount,
      amount: roundMoney(unitAmount.times(change).times(fraction), currency),
      periodStart: Math.max(periodStart, at),
      periodEnd,
    },
  ];
}
