import { callerId, isoDateTime } from "@lumen/core";
import { z } from "zod";

export const prorationBehavior = z.enum(["always_invoice", "create_prorations", "none"]);

export const attachInput = z.strictObject({
  customer: callerId,
  plan: callerId,
  version: z.number().int().min(1).optional(),
  trial: z.boolean().optional(),
  prorationBehavior: prorationBehavior.optional(),
  when: z.enum(["now", "period_end"]).optional(),
  billingAnchor: isoDateTime.optional(),
  /** Where the hosted checkout sends the customer back, when a payment method must be collected first. */
  successUrl: z.url().max(2000).optional(),
  cancelUrl: z.url().max(2000).optional(),
});
export type AttachInput = z.input<typeof attachInput>;
export type ParsedAttachInput = z.output<typeof attachInput>;

export const cancelInput = z.strictObject({
  when: z.enum(["period_end", "now"]).default("period_end"),
  prorationBehavior: prorationBehavior.optional(),
});
export type CancelInput = z.input<typeof cancelInput>;
