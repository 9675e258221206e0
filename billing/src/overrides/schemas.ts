import { isoDateTime } from "@lumen/core";
import { z } from "zod";

/** `PUT /v1/customers/:id/overrides/:feature` (PRODUCT §10); the feature is in the path. */
export const setOverrideInput = z.strictObject({
  /** false removes the feature from the customer, whatever its plans grant. */
  enabled: z.boolean(),
  /** Replaces the plans' allowance per period; omitted or null keeps it. */
  included: z
    .union([z.number().nonnegative(), z.literal("unlimited")])
    .nullable()
    .optional(),
  /** The override is ignored from then on (a feature trial for one customer); after the customer's current time. */
  expiresAt: isoDateTime.nullable().optional(),
});
export type SetOverrideInput = z.input<typeof setOverrideInput>;
