import { type BalanceState, type CustomerDefinition, summarizeUsage, type UsageSnapshot } from "@lumen/core";
import { customerNow } from "../clocks/customer-time";
import type { EngineContext } from "../context";
import { loadCustomer } from "../customers/customer-record";
import { buildCustomerDefinition } from "../definitions/build-customer-definition";
import { requirePipeline } from "../pipeline/pipeline-client";

/**
 * `GET /v1/customers/:id/usage` (PRODUCT §9): per feature, the balance the owner and the sidecars compute (core's
 * balance model: allowance with rollover, grants, credits, seats, overrides) from the customer's current
 * definition and the owner's latest snapshot, at the customer's time.
 */
export async function getCustomerUsage({ ctx, customerId }: { ctx: EngineContext; customerId: string }) {
  const customer = await loadCustomer(ctx, customerId);
  const at = (await customerNow(ctx, customer)).getTime();
  const definition = await buildCustomerDefinition(ctx, customerId, 0);
  const snapshot = await requirePipeline(ctx.pipeline).snapshot(ctx.env, customerId);
  return { customer: customerId, features: summarizeUsage({ state: balanceStateOf(definition, snapshot), at }) };
}

/** What core's balance model reads: nothing pending, since billing tracks nothing of its own ahead of the owner. */
export function balanceStateOf(definition: CustomerDefinition, snapshot: UsageSnapshot | null): BalanceState {
  return { definition, counters: snapshot?.counters ?? [], ledgers: snapshot?.ledgers ?? [], pending: [] };
}
