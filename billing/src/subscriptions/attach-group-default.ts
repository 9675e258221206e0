import { listDefaultPlans } from "../catalog/list-default-plans";
import { loadPlanVersion } from "../catalog/plan-record";
import type { EngineContext } from "../context";
import { loadCustomer } from "../customers/customer-record";
import { attachPlan } from "./attach-plan";
import { listLiveSubscriptions, type Subscription } from "./subscription-record";

/**
 * When a customer's base plan ends, the group's default plan (if any) takes over, so that a customer who
 * cancels Pro falls back to Free instead of to nothing — as a new customer would have it.
 */
export async function attachGroupDefault(ctx: EngineContext, ended: Subscription): Promise<void> {
  if (ended.addOn) return;
  const customer = await loadCustomer(ctx, ended.customer);
  const live = await listLiveSubscriptions(ctx, customer.id);
  if (live.some((sub) => !sub.addOn && sub.group === ended.group)) return;
  for (const candidate of await listDefaultPlans(ctx, customer.currency)) {
    if (candidate.id === ended.plan) continue;
    const plan = await loadPlanVersion(ctx, candidate.id);
    if (plan.definition.addOn || (plan.definition.group ?? null) !== ended.group) continue;
    await attachPlan({ ctx, input: { customer: customer.id, plan: candidate.id, trial: false } });
    return;
  }
}
