import { callerId, isoDateTime } from "@lumen/core";
import { z } from "zod";

const INT32_MAX = 2_147_483_647;

/** `POST /v1/customers/:id/grants` (PRODUCT §10). */
export const createGrantInput = z.strictObject({
  feature: callerId,
  /** Units of the feature (credits for a credits feature): a JSON number, fractions allowed. */
  amount: z.number().positive(),
  /** The unused part is gone from then on; after the customer's current time. Without it: never expires. */
  expiresAt: isoDateTime.nullable().optional(),
  /** Lower burns first; default 0. */
  priority: z.number().int().min(-INT32_MAX).max(INT32_MAX).default(0),
  reason: z.string().max(500).nullable().optional(),
});
export type CreateGrantInput = z.input<typeof createGrantInput>;
