import { Decimal, minorUnits, roundMoney } from "../money";

/** Invoice line types of PRODUCT §7. */
export type InvoiceLineType = "fixed" | "one_time" | "seats" | "usage" | "proration" | "adjustment";

export interface TotalsLine {
  id: string;
  type: InvoiceLineType;
  /** Already rounded to the minor unit (every line is rounded, PRODUCT §7). */
  amount: Decimal;
  /** The plan the line bills, for discounts limited to plans (`appliesToPlans`). */
  plan: string | null;
}

export interface TotalsDiscount {
  id: string;
  /** A percentage from 0 to 100, or an amount in the invoice's currency; exactly one. */
  percentOff?: Decimal;
  amountOff?: Decimal;
  /** null: every plan. */
  appliesToPlans: readonly string[] | null;
}

export interface LineTotals {
  id: string;
  discountAmount: Decimal;
  taxAmount: Decimal;
}

export interface InvoiceTotals {
  subtotal: Decimal;
  discountTotal: Decimal;
  taxTotal: Decimal;
  total: Decimal;
  creditApplied: Decimal;
  amountDue: Decimal;
  lines: LineTotals[];
  /** What each discount took off, by discount id (0 when it found nothing to apply to). */
  discountAmounts: Map<string, Decimal>;
}

/**
 * The totals of an invoice in PRODUCT §7's order: lines → discounts → tax → customer credit balance. Discounts never
 * touch proration lines nor take a line below zero; each discount is rounded once (half-up) and spread over the
 * lines it applies to in minor units, so that the lines' discounts add up to it exactly. Tax is each line's, computed
 * from what is left of it after discounts (`lineTax`) and given here by line id (none by default); with inclusive
 * prices it is already inside the amounts and does not add to the total. The credit balance pays what is due, never
 * more than it holds nor more than the total.
 */
export function computeInvoiceTotals({
  lines,
  discounts = [],
  creditBalance = new Decimal(0),
  currency,
  taxes = new Map(),
  taxInclusive = false,
}: {
  lines: readonly TotalsLine[];
  discounts?: readonly TotalsDiscount[];
  creditBalance?: Decimal;
  currency: string;
  taxes?: ReadonlyMap<string, Decimal>;
  taxInclusive?: boolean;
}): InvoiceTotals {
  const discounted = new Map<string, Decimal>(lines.map((line) => [line.id, new Decimal(0)]));
  const discountAmounts = new Map<string, Decimal>();
  for (const discount of discounts) {
    discountAmounts.set(discount.id, new Decimal(0));
    const eligible = lines.filter(
      (line) =>
        line.type !== "proration" &&
        (discount.appliesToPlans === null || (line.plan !== null && discount.appliesToPlans.includes(line.plan))),
    );
    const left = eligible.map((line) => Decimal.max(0, line.amount.minus(discounted.get(line.id)!)));
    const base = left.reduce((sum, value) => sum.plus(value), new Decimal(0));
    if (base.isZero()) continue;
    const wanted = discount.percentOff
      ? roundMoney(base.times(discount.percentOff).dividedBy(100), currency)
      : roundMoney(discount.amountOff ?? new Decimal(0), currency);
    const amount = Decimal.min(base, Decimal.max(0, wanted));
    discountAmounts.set(discount.id, amount);
    const shares = spread(amount, left, currency);
    eligible.forEach((line, index) => {
      discounted.set(line.id, discounted.get(line.id)!.plus(shares[index]!));
    });
  }
  let subtotal = new Decimal(0);
  let discountTotal = new Decimal(0);
  let taxTotal = new Decimal(0);
  const totals: LineTotals[] = [];
  for (const line of lines) {
    const discountAmount = discounted.get(line.id)!;
    const taxAmount = roundMoney(taxes.get(line.id) ?? new Decimal(0), currency);
    subtotal = subtotal.plus(line.amount);
    discountTotal = discountTotal.plus(discountAmount);
    taxTotal = taxTotal.plus(taxAmount);
    totals.push({ id: line.id, discountAmount, taxAmount });
  }
  const total = taxInclusive ? subtotal.minus(discountTotal) : subtotal.minus(discountTotal).plus(taxTotal);
  const creditApplied = total.gt(0) ? Decimal.min(Decimal.max(0, creditBalance), total) : new Decimal(0);
  return {
    subtotal,
    discountTotal,
    taxTotal,
    total,
    creditApplied,
    amountDue: total.minus(creditApplied),
    lines: totals,
    discountAmounts,
  };
}

/**
 * `amount` shared over `weights` in whole minor units, proportionally, the leftover units to the largest remainders
 * (ties to the first): the shares add up to `amount` exactly and none exceeds its weight.
 */
function spread(amount: Decimal, weights: readonly Decimal[], currency: string): Decimal[] {
  const unit = new Decimal(10).pow(-minorUnits(currency));
  const units = amount.dividedBy(unit);
  const total = weights.reduce((sum, weight) => sum.plus(weight), new Decimal(0));
  const exact = weights.map((weight) => weight.times(units).dividedBy(total));
  const shares = exact.map((value) => value.floor());
  let leftover = units.minus(shares.reduce((sum, value) => sum.plus(value), new Decimal(0)));
  const order = exact
    .map((value, index) => ({ index, fraction: value.minus(value.floor()) }))
    .sort((a, b) => b.fraction.comparedTo(a.fraction) || a.index - b.index);
  for (const { index } of order) {
    if (leftover.lte(0)) break;
    shares[index] = shares[index]!.plus(1);
    leftover = leftover.minus(1);
  }
  return shares.map((share) => share.times(unit));
}
