import { LumenError, newId } from "@lumen/core";
import { loadFeatureCatalog } from "../catalog/features";
import { monthlyAmount } from "../catalog/plan-price";
import { loadPlanHead, loadPlanVersion, type PlanVersion } from "../catalog/plan-record";
import { findSeatItem } from "../catalog/plan-rules";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, withTransaction } from "../context";
import { loadCustomer } from "../customers/customer-record";
import { updateCustomer } from "../customers/update-customer";
import { recordHistory } from "../history/record-history";
import {
  closeRestartedPeriod,
  invoiceNewSubscription,
  invoicePlanChange,
  type ProrationBehavior,
} from "../invoices/change-invoices";
import { findOpenCheckout, startCheckout } from "../payments/checkout";
import { loadPaymentCustomer } from "../payments/payment-customer";
import { activeProvider } from "../payments/payment-settings";
import { type AttachDecision, computeAttach } from "./compute-attach";
import { scheduleRenewal } from "./renewal-job";
import { type AttachInput, attachInput } from "./schemas";
import {
  insertSubscription,
  listLiveSubscriptions,
  loadSubscription,
  serializeSubscription,
  updateSubscription,
} from "./subscription-record";

/**
 * `POST /v1/attach` (PRODUCT §6). With a payment provider and no payment method saved, a paid plan first sends the
 * customer to a hosted checkout (`checkoutUrl`); the attach runs when the provider confirms (`checkout` set, with the
 * id the pending subscription was given).
 */
export async function attachPlan({
  ctx,
  input,
  checkout,
}: {
  ctx: EngineContext;
  input: AttachInput | unknown;
  checkout?: { subscriptionId: string | null };
}) {
  const parsed = attachInput.parse(input);
  return withTransaction(ctx, async (ctx) => {
    // setup
    const customer = await loadCustomer(ctx, parsed.customer, { forUpdate: true });
    const head = await loadPlanHead(ctx, parsed.plan);
    if (head.archivedAt) throw new LumenError("conflict", `Plan '${parsed.plan}' is archived`);
    const target = await loadPlanVersion(ctx, parsed.plan, parsed.version);
    const currency = target.definition.currency;
    if (customer.currency && customer.currency !== currency) {
      throw new LumenError(
        "conflict",
        `Plan '${target.plan}' is priced in ${currency} but customer '${customer.id}' pays in ${customer.currency}`,
      );
    }
    const now = await customerNow(ctx, customer);
    const live = await listLiveSubscriptions(ctx, customer.id, { forUpdate: true });
    const livePlans = new Map<string, PlanVersion>();
    for (const sub of live) livePlans.set(sub.id, await loadPlanVersion(ctx, sub.plan, sub.planVersion));
    const seats = await countEntitiesByFeature(ctx, customer.id);
    const features = await loadFeatureCatalog(ctx);
    // Each plan is priced at the customer's count of its own seat feature.
    const seatsOf = (plan: PlanVersion) => seats.get(findSeatItem(plan.definition, features)?.feature ?? "") ?? 0;
    const { rows: trials } = await db(ctx).query(
      "SELECT 1 FROM trials WHERE env = $1 AND customer_id = $2 AND plan_id = $3",
      [ctx.env, customer.id, target.plan],
    );

    // compute
    const decision = computeAttach({
      now,
      customerId: customer.id,
      target,
      input: parsed,
      live,
      livePlans,
      hadTrial: trials.length > 0,
      monthlyAmountOf: (plan) => monthlyAmount(plan.definition, { seats: seatsOf(plan), features }),
      newSubscriptionId: checkout?.subscriptionId ?? newId("sub"),
    });
    const provider = checkout ? null : await activeProvider(ctx);
    if (
      provider &&
      decision.kind !== "change_scheduled" &&
      !monthlyAmount(target.definition, { seats: seatsOf(target), features }).isZero() &&
      !(await loadPaymentCustomer(ctx, customer.id, provider.name))?.paymentMethod
    ) {
      // A repeated attach (a retry, a double click) answers the checkout already open for this plan.
      const open = await findOpenCheckout(ctx, { customerId: customer.id, plan: target.plan });
      if (open) {
        const waiting = open.subscriptionId ? await loadSubscription(ctx, open.subscriptionId) : null;
        const current = decision.kind === "change_now" ? decision.before : null;
        const shownNow = waiting ?? current;
        return { subscription: shownNow && serializeSubscription(shownNow), invoice: null, checkoutUrl: open.url };
      }
      const pending = decision.kind === "create" ? { ...decision.subscription, status: "pending" as const } : null;
      const checkoutUrl = await startCheckout(ctx, { provider, customer, input: parsed, currency, pending, now });
      const shown = pending ?? (decision.kind === "change_now" ? decision.before : null);
      return { subscription: shown && serializeSubscription(shown), invoice: null, checkoutUrl };
    }

    // execute
    if (!customer.currency) {
      // The first plan fixes the customer's currency: a new customer version, like any change.
      await updateCustomer({ ctx, id: customer.id, input: { currency } });
    }
    if (decision.kind === "change_now") {
      const fromPlan = livePlans.get(decision.before.id);
      if (!fromPlan) throw new Error(`plan of subscription ${decision.before.id} not loaded`);
      await closeRestartedPeriod(ctx, {
        before: decision.before,
        after: decision.after,
        fromPlan,
        now,
        clockId: customer.testClockId,
      });
    }
    const subscription = await executeAttach(ctx, decision, now, customer.testClockId);
    const invoice = await invoiceAttach(ctx, { decision, target, livePlans, now, input: parsed });
    return { subscription: serializeSubscription(subscription), invoice, checkoutUrl: null };
  });
}

/** What the attach bills now: a new subscription's first period, or the proration of a change that takes effect now. */
async function invoiceAttach(
  ctx: EngineContext,
  {
    decision,
    target,
    livePlans,
    now,
    input,
  }: {
    decision: AttachDecision;
    target: PlanVersion;
    livePlans: Map<string, PlanVersion>;
    now: Date;
    input: { prorationBehavior?: ProrationBehavior };
  },
) {
  if (decision.kind === "create") return invoiceNewSubscription(ctx, { sub: decision.subscription, plan: target, now });
  if (decision.kind !== "change_now") return null;
  const fromPlan = livePlans.get(decision.before.id);
  if (!fromPlan) throw new Error(`plan of subscription ${decision.before.id} not loaded`);
  return invoicePlanChange(ctx, {
    before: decision.before,
    after: decision.after,
    fromPlan,
    toPlan: target,
    // PRODUCT §6: upgrades are invoiced at once; a downgrade made now credits the next invoice.
    behavior: input.prorationBehavior ?? (decision.direction === "upgrade" ? "always_invoice" : "create_prorations"),
    now,
  });
}

async function executeAttach(ctx: EngineContext, decision: AttachDecision, now: Date, clockId: string | null) {
  const after = decision.kind === "create" ? decision.subscription : decision.after;
  if (after.trialStart?.getTime() === now.getTime()) {
    await db(ctx).query(
      "INSERT INTO trials (env, customer_id, plan_id, started_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
      [ctx.env, after.customer, after.plan, now],
    );
  }
  if (decision.kind === "create") {
    await insertSubscription(ctx, decision.subscription);
    await recordHistory(ctx, {
      customerId: decision.subscription.customer,
      objectType: "subscription",
      objectId: decision.subscription.id,
      type: "subscription.created",
      at: now,
      before: null,
      after: serializeSubscription(decision.subscription),
    });
    await scheduleRenewal(ctx, decision.subscription, clockId);
    return decision.subscription;
  }
  await updateSubscription(ctx, decision.after);
  await recordHistory(ctx, {
    customerId: decision.after.customer,
    objectType: "subscription",
    objectId: decision.after.id,
    type: decision.kind === "change_now" ? "subscription.plan_changed" : "subscription.change_scheduled",
    at: now,
    before: serializeSubscription(decision.before),
    after: serializeSubscription(decision.after),
  });
  await scheduleRenewal(ctx, decision.after, clockId);
  return decision.after;
}

/** Active entities of the customer per gauge feature: the quantities that per-seat prices multiply. */
async function countEntitiesByFeature(ctx: EngineContext, customerId: string): Promise<Map<string, number>> {
  const { rows } = await db(ctx).query<{ feature: string; count: number }>(
    `SELECT feature, count(*)::int AS count FROM entities WHERE env = $1 AND customer_id = $2 AND deleted_at IS NULL
     GROUP BY feature`,
    [ctx.env, customerId],
  );
  return new Map(rows.map((row) => [row.feature, row.count]));
}
