import {
  callerId,
  currencyCode,
  Decimal,
  decimalString,
  isCurrency,
  minorUnits,
  positiveDecimalString,
} from "@lumen/core";
import { z } from "zod";

const INT32_MAX = 2_147_483_647;
const PERCENT_MESSAGE = 'must be a number or a decimal string greater than 0 and at most 100, such as 20 or "12.5"';

/** A percentage in (0, 100]: a JSON number or a decimal string, kept as the shortest decimal string ("20", "12.5"). */
const percentOff = z
  .union([z.number(), decimalString], { error: PERCENT_MESSAGE })
  .transform((value) => new Decimal(value))
  .refine((value) => value.gt(0) && value.lte(100), { error: PERCENT_MESSAGE })
  .transform((value) => value.toString());

/** `POST /v1/coupons` (PRODUCT §7): exactly one of `percentOff` and `amountOff`; `currency` goes with `amountOff`. */
export const createCouponInput = z
  .strictObject({
    id: callerId,
    name: z.string().max(500).nullable().optional(),
    percentOff: percentOff.optional(),
    /** Major units of `currency`, at most its minor-unit decimals ("5.00" USD, "500" JPY). */
    amountOff: positiveDecimalString.optional(),
    currency: currencyCode.optional(),
    duration: z.enum(["once", "repeating", "forever"]),
    /** Period invoices a `repeating` coupon discounts. */
    durationInPeriods: z.number().int().min(1).max(INT32_MAX).optional(),
    /** Only lines of these plans are discounted; omitted or null: every plan. */
    appliesToPlans: z.array(callerId).min(1).max(100).nullable().optional(),
  })
  .superRefine((input, context) => {
    const issue = (path: string, message: string) => context.addIssue({ code: "custom", path: [path], message });
    const hasPercent = input.percentOff !== undefined;
    const hasAmount = input.amountOff !== undefined;
    if (hasPercent === hasAmount) {
      const message = hasPercent ? "give percentOff or amountOff, not both" : "give percentOff or amountOff";
      issue("percentOff", message);
      issue("amountOff", message);
    }
    if (hasAmount && input.currency === undefined) issue("currency", "is required with amountOff");
    if (hasPercent && !hasAmount && input.currency !== undefined) {
      issue("currency", "goes with amountOff only: a percentage applies in any currency");
    }
    if (hasAmount && input.currency !== undefined && isCurrency(input.currency)) {
      const digits = minorUnits(input.currency);
      if (new Decimal(input.amountOff!).decimalPlaces() > digits) {
        issue("amountOff", `must have at most ${digits} decimals in ${input.currency}`);
      }
    }
    if (input.duration === "repeating" && input.durationInPeriods === undefined) {
      issue("durationInPeriods", "is required with duration 'repeating'");
    }
    if (input.duration !== "repeating" && input.durationInPeriods !== undefined) {
      issue("durationInPeriods", "goes with duration 'repeating' only");
    }
  });
export type CreateCouponInput = z.input<typeof createCouponInput>;

/** `POST /v1/customers/:id/discounts`. */
export const applyDiscountInput = z.strictObject({ coupon: callerId });
export type ApplyDiscountInput = z.input<typeof applyDiscountInput>;
