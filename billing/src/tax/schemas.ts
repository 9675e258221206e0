import { callerId, countryCode, Decimal, decimalString, isEuMemberState } from "@lumen/core";
import { z } from "zod";

const PERCENTAGE_MESSAGE = 'must be a number or a decimal string from 0 to 100, such as 7.25 or "7.25"';

/** A percentage in [0, 100]: a JSON number or a decimal string, kept as the shortest decimal string ("7.25"). */
const percentage = z
  .union([z.number(), decimalString], { error: PERCENTAGE_MESSAGE })
  .transform((value) => new Decimal(value))
  .refine((value) => value.gte(0) && value.lte(100) && value.decimalPlaces() <= 4, { error: PERCENTAGE_MESSAGE })
  .transform((value) => value.toString());

const name = z.string().min(1).max(200);

/** `POST /v1/tax-rates`: EU member states are taxed by the built-in VAT rates, so a custom rate is for elsewhere. */
export const createTaxRateInput = z.strictObject({
  id: callerId,
  name,
  country: countryCode.refine((country) => !isEuMemberState(country), {
    error: "is an EU member state: its VAT comes from the built-in EU rates (core/src/tax/eu-vat-rates.json)",
  }),
  /** The subdivision's code without the country ("CA" of US-CA), matched case-insensitively. */
  state: z
    .string()
    .regex(/^[A-Za-z0-9]{1,3}$/, 'must be a subdivision code such as "CA" (ISO 3166-2 without the country)')
    .transform((state) => state.toUpperCase())
    .nullable()
    .optional(),
  percentage,
});
export type CreateTaxRateInput = z.input<typeof createTaxRateInput>;

/** `PATCH /v1/tax-rates/:id`: the name and the percentage; the place is what the rate is, so it does not move. */
export const updateTaxRateInput = z.strictObject({ name: name.optional(), percentage: percentage.optional() });
export type UpdateTaxRateInput = z.input<typeof updateTaxRateInput>;
