import { callerId, checkEuVatId, countryCode, currencyCode } from "@lumen/core";
import { z } from "zod";

export const address = z.strictObject({
  country: countryCode.nullable().optional(),
  state: z.string().max(100).nullable().optional(),
  postalCode: z.string().max(32).nullable().optional(),
  city: z.string().max(200).nullable().optional(),
  line1: z.string().max(500).nullable().optional(),
  line2: z.string().max(500).nullable().optional(),
});

/**
 * A tax id; `eu_vat` values are normalized ("de 123 456 789" → "DE123456789") and must match their state's format.
 * A `verification` sent back as read is ignored: only the registry writes it.
 */
export const taxId = z
  .strictObject({
    type: z.string().min(1).max(32),
    value: z.string().min(1).max(64),
    verification: z.unknown().optional(),
  })
  .transform((taxId, context) => {
    if (taxId.type !== "eu_vat") return { type: taxId.type, value: taxId.value };
    const checked = checkEuVatId(taxId.value);
    if (!checked.ok) {
      context.addIssue({ code: "custom", path: ["value"], message: `must be ${checked.expected}` });
      return z.NEVER;
    }
    return { type: taxId.type, value: checked.value };
  });

const customerFields = {
  name: z.string().max(500).nullable().optional(),
  email: z.email().max(320).nullable().optional(),
  currency: currencyCode.optional(),
  address: address.nullable().optional(),
  taxIds: z.array(taxId).max(10).optional(),
  taxExempt: z.enum(["none", "exempt", "reverse"]).optional(),
  metadata: z.record(z.string().max(40), z.string().max(500)).optional(),
};

export const createCustomerInput = z.strictObject({
  id: callerId,
  ...customerFields,
  testClock: z.string().min(1).max(64).optional(),
});
export type CreateCustomerInput = z.input<typeof createCustomerInput>;

export const updateCustomerInput = z.strictObject(customerFields);
export type UpdateCustomerInput = z.input<typeof updateCustomerInput>;

export const createEntityInput = z.strictObject({
  id: callerId,
  feature: callerId,
  name: z.string().max(500).nullable().optional(),
  metadata: z.record(z.string().max(40), z.string().max(500)).optional(),
});
export type CreateEntityInput = z.input<typeof createEntityInput>;
