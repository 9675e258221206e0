import {
  type CheckResponse,
  checkEntitlement,
  checkResponseOf,
  newId,
  type OwnerCheckReply,
  type OwnerCheckRequest,
  QUERY_OPERATIONS,
} from "@lumen/core";
import { z } from "zod";
import { db, type EngineContext } from "../context";
import { requirePipeline } from "../pipeline/pipeline-client";

/** `POST /v1/check` (PRODUCT §9). */
export const checkInput = z.strictObject({
  customer: z.string().min(1).max(255),
  feature: z.string().min(1).max(255),
  /** A seat (or other entity) of the customer, for per-seat allowances. */
  entity: z.string().min(1).max(255).nullable().optional(),
  /** Units wanted; default 1. */
  quantity: z.number().positive().default(1),
  /** Records `quantity` when allowed, atomically at the owner (a strict consume). */
  consume: z.boolean().default(false),
});
export type CheckInput = z.input<typeof checkInput>;

/**
 * `POST /v1/check` on the billing API: authoritative, decided by the aggregator that owns the customer's partition
 * from its live balance; with `consume`, the owner also records the usage when allowed, so that a hard limit is
 * never exceeded under any concurrency. An unknown customer is `customer_not_found` without asking the owner.
 */
export async function checkAtOwner({
  ctx,
  input,
  idempotencyKey = null,
}: {
  ctx: EngineContext;
  input: CheckInput | unknown;
  /** The request's Idempotency-Key: the consumed event's key, so that a retried consume is counted once. */
  idempotencyKey?: string | null;
}): Promise<CheckResponse> {
  const parsed = checkInput.parse(input);
  const entity = parsed.entity ?? null;
  const subject = { customer: parsed.customer, feature: parsed.feature, entity };
  if (!(await customerExists(ctx, parsed.customer))) {
    const at = ctx.clock.now().getTime();
    // Core's decision for a customer without a definition: `customer_not_found`.
    const state = { definition: undefined, counters: [], ledgers: [], pending: [] };
    const result = checkEntitlement({ state, feature: parsed.feature, entity, quantity: parsed.quantity, at });
    return checkResponseOf({ result, ...subject, asOf: at });
  }
  const request: OwnerCheckRequest = {
    env: ctx.env,
    customer: parsed.customer,
    feature: parsed.feature,
    entity,
    quantity: parsed.quantity,
    ...(parsed.consume ? { eventId: newId("evt"), idempotencyKey } : {}),
  };
  const reply = await requirePipeline(ctx.pipeline).requestOwner<OwnerCheckReply>({
    env: ctx.env,
    customer: parsed.customer,
    operation: parsed.consume ? QUERY_OPERATIONS.consume : QUERY_OPERATIONS.check,
    payload: request,
  });
  return checkResponseOf({ result: reply.result, ...subject, asOf: reply.asOf });
}

async function customerExists(ctx: EngineContext, customerId: string): Promise<boolean> {
  const { rows } = await db(ctx).query("SELECT 1 FROM customers WHERE env = $1 AND id = $2 AND deleted_at IS NULL", [
    ctx.env,
    customerId,
  ]);
  return rows.length > 0;
}
