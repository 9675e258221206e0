import { Decimal, LumenError, ratePrice } from "@lumen/core";
import { type FeatureCatalog, findSeatItem } from "./plan-rules";
import type { PlanDefinition, PlanInterval } from "./schemas";

// A month is 52/12 weeks; multiplying before the one division keeps the result exact wherever it can be.
const TO_MONTHLY: Record<PlanInterval, { times: number; over: number }> = {
  week: { times: 52, over: 12 },
  month: { times: 1, over: 1 },
  quarter: { times: 1, over: 3 },
  year: { times: 1, over: 12 },
};

/** An amount billed once per `interval`, expressed per month. */
export function toMonthly(amount: Decimal, interval: PlanInterval): Decimal {
  const { times, over } = TO_MONTHLY[interval];
  return amount.times(times).dividedBy(over);
}

/**
 * The plan's recurring price per month for a customer with `seats` seats: fixed items plus the seat
 * price, each normalised from its billing interval. One-time fees and usage prices are left out. Used to
 * tell an upgrade from a downgrade (§6); compare only plans of the same currency.
 */
export function monthlyAmount(
  definition: PlanDefinition,
  { seats, features }: { seats: number; features: FeatureCatalog },
): Decimal {
  if (!Number.isSafeInteger(seats) || seats < 0) {
    throw new LumenError("internal", `monthlyAmount needs a whole number of seats, got ${seats}`);
  }
  let total = new Decimal(0);
  for (const item of definition.items) {
    if (item.type !== "fixed") continue;
    total = total.plus(toMonthly(new Decimal(item.amount), item.billingInterval ?? definition.interval));
  }
  const seatItem = findSeatItem(definition, features);
  const seatPrice = seatItem?.price;
  if (seatItem === undefined || seatPrice === undefined) return total;
  // A gauge's `included` are free units (§3); "unlimited" cannot carry a price (schema).
  const included = seatItem.included === "unlimited" ? seats : seatItem.included;
  const billable = Decimal.max(0, new Decimal(seats).minus(included));
  // A seat price is a quantity price (the schema allows no percentage on a gauge's seats).
  if (seatPrice.model === "percentage") return total;
  const perInterval = ratePrice(seatPrice, billable.toNumber());
  return total.plus(toMonthly(perInterval, seatItem.billingInterval ?? definition.interval));
}
