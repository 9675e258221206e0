import { Decimal } from "../money";

/** A tier of a `graduated` or `volume` price (PRODUCT §3): amounts are decimal strings, `upTo` null on the last. */
export interface PriceTier {
  upTo: number | null;
  unitAmount?: string;
  flatAmount?: string;
}

/** A plan item's price (PRODUCT §3), as the catalog stores it. */
export type PriceDefinition =
  | { model: "per_unit"; unitAmount: string }
  | { model: "package"; unitAmount: string; packageSize: number }
  | { model: "graduated"; tiers: PriceTier[] }
  | { model: "volume"; tiers: PriceTier[] }
  | { model: "percentage"; rate: string; fixedAmount?: string; minPerEvent?: string; maxPerEvent?: string };

/** Prices billed on a quantity (all but `percentage`, which is billed on each event's value). */
export type QuantityPrice = Exclude<PriceDefinition, { model: "percentage" }>;

/**
 * What `quantity` billable units cost (PRODUCT §3; `quantity` is `max(0, used − included)`), exact: no rounding here,
 * the invoice line rounds once (`roundMoney`). A negative quantity bills as 0.
 */
export function ratePrice(price: QuantityPrice, quantity: number): Decimal {
  const q = Decimal.max(0, new Decimal(quantity));
  switch (price.model) {
    case "per_unit":
      return q.times(price.unitAmount);
    case "package":
      return q.dividedBy(price.packageSize).ceil().times(price.unitAmount);
    case "graduated":
      return rateGraduated(price.tiers, q);
    case "volume":
      return rateVolume(price.tiers, q);
  }
}

/**
 * Each unit priced by the tier it falls in, tiers half-open upward: tier i holds the units above the previous `upTo`
 * up to its own. Every tier entered adds its `flatAmount`, and the first tier's applies even at 0 units (Lago's
 * semantics, PRODUCT §3; Stripe's graduated tiers agree for every quantity above 0).
 */
function rateGraduated(tiers: readonly PriceTier[], q: Decimal): Decimal {
  let total = new Decimal(0);
  let below = new Decimal(0);
  for (let index = 0; index < tiers.length; index++) {
    const tier = tiers[index]!;
    const entered = index === 0 || q.gt(below);
    if (!entered) break;
    const top = tier.upTo === null ? q : Decimal.min(q, tier.upTo);
    const units = Decimal.max(0, top.minus(below));
    total = total.plus(units.times(tier.unitAmount ?? 0)).plus(tier.flatAmount ?? 0);
    if (tier.upTo === null) break;
    below = new Decimal(tier.upTo);
  }
  return total;
}

/** All units priced by the one tier the quantity falls in, plus that tier's `flatAmount` (tier 1's at 0 units). */
function rateVolume(tiers: readonly PriceTier[], q: Decimal): Decimal {
  const tier = tiers.find((candidate) => candidate.upTo === null || q.lte(candidate.upTo)) ?? tiers.at(-1)!;
  return q.times(tier.unitAmount ?? 0).plus(tier.flatAmount ?? 0);
}

/**
 * A `percentage` price over the events of a `sum` meter (transaction amounts): per event, `rate`% of its value plus
 * `fixedAmount`, clamped to [`minPerEvent`, `maxPerEvent`]; the sum of those fees, exact.
 */
export function ratePercentage(
  price: Extract<PriceDefinition, { model: "percentage" }>,
  values: readonly (number | string)[],
): Decimal {
  const rate = new Decimal(price.rate).dividedBy(100);
  const fixed = new Decimal(price.fixedAmount ?? 0);
  const min = price.minPerEvent === undefined ? null : new Decimal(price.minPerEvent);
  const max = price.maxPerEvent === undefined ? null : new Decimal(price.maxPerEvent);
  let total = new Decimal(0);
  for (const value of values) {
    let fee = new Decimal(value).times(rate).plus(fixed);
    if (min !== null && fee.lt(min)) fee = min;
    if (max !== null && fee.gt(max)) fee = max;
    total = total.plus(fee);
  }
  return total;
}

/**
 * `ratePercentage` over events grouped by value (`count` events of each `value`): the same fees, each value's fee
 * computed once. A reading is taken at its shortest decimal form (`String(19.99)` is "19.99"), never as a binary float.
 */
export function ratePercentageOfReadings(
  price: Extract<PriceDefinition, { model: "percentage" }>,
  readings: readonly { value: number; count: number }[],
): Decimal {
  let total = new Decimal(0);
  for (const { value, count } of readings) total = total.plus(ratePercentage(price, [String(value)]).times(count));
  return total;
}
