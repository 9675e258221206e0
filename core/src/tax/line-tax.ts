import { Decimal, roundMoney } from "../money";

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

/**
 * The tax a credit note gives back: its share of the invoice's tax, as the credit note's share of the invoice's
 * total (tax included), rounded half-up by `roundMoney`. Crediting the whole invoice gives back all its tax.
 */
export function creditNoteTax({
  amount,
  invoiceTotal,
  invoiceTax,
  currency,
}: {
  amount: Decimal;
  invoiceTotal: Decimal;
  invoiceTax: Decimal;
  currency: string;
}): Decimal {
  if (invoiceTotal.isZero()) return new Decimal(0);
  return roundMoney(amount.times(invoiceTax).dividedBy(invoiceTotal), currency);
}
