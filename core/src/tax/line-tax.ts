import { type Decimal, roundMoney } from "../money";

/**
 * The tax of one invoice line (PRODUCT §8), from what is left of the line after discounts, rounded half-up to the
 * minor unit by `roundMoney`:
 * - exclusive prices: `net × rate`;
 * - inclusive prices (the amount already holds the tax): `net − net / (1 + rate)`, so 119.00 at 19 % holds 19.00.
 * `percentage` is a percentage (19, 25.5).
 */
export function lineTax({
  net,
  percentage,
  inclusive,
  currency,
}: {
  net: Decimal;
  percentage: Decimal;
  inclusive: boolean;
  currency: string;
}): Decimal {
  const rate = percentage.dividedBy(100);
  const exact = inclusive ? net.minus(net.dividedBy(rate.plus(1))) : net.times(rate);
  return roundMoney(exact, currency);
}
