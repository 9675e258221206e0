import { invalid, LumenError, newId } from "@lumen/core";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, withTransaction } from "../context";
import { type Customer, loadCustomer } from "../customers/customer-record";
import { enqueueOutbox } from "../definitions/enqueue-outbox";
import { recordHistory } from "../history/record-history";
import type { Job } from "../jobs/run-due-jobs";
import { scheduleJob } from "../jobs/schedule-job";
import { attachPlan } from "../subscriptions/attach-plan";
import type { AttachInput, ParsedAttachInput } from "../subscriptions/schemas";
import { insertSubscription, type Subscription, serializeSubscription } from "../subscriptions/subscription-record";
import { ensurePaymentCustomer, savePaymentMethod } from "./payment-customer";
import type { CheckoutSession, PaymentProvider } from "./payment-provider";
import { activeProvider, loadPaymentSettings } from "./payment-settings";

export const CHECKOUT_RECONCILE_JOB = "checkout.reconcile";

interface CheckoutRow {
  id: string;
  customer_id: string;
  provider: PaymentProvider["name"];
  session_id: string;
  status: "open" | "complete" | "expired";
  attach: AttachInput;
  subscription_id: string | null;
  created_at: Date;
}

/**
 * Starts the hosted checkout that collects a payment method before an attach can bill (PRODUCT §6): the attach is
 * kept and runs when the provider confirms. A new subscription waits as `pending` (it entitles to nothing); a
 * change of an existing one leaves it as it is meanwhile. Returns the page to send the customer to.
 */
export async function startCheckout(
  ctx: EngineContext,
  {
    provider,
    customer,
    input,
    currency,
    pending,
    now,
  }: {
    provider: PaymentProvider;
    customer: Customer;
    input: ParsedAttachInput;
    currency: string;
    pending: Subscription | null;
    now: Date;
  },
): Promise<string> {
  const settings = await loadPaymentSettings(ctx);
  const successUrl = input.successUrl ?? settings.checkoutSuccessUrl;
  const cancelUrl = input.cancelUrl ?? settings.checkoutCancelUrl ?? successUrl;
  if (!successUrl || !cancelUrl) {
    throw invalid(
      "successUrl",
      "is required when a payment method must be collected (or set checkoutSuccessUrl in PUT /v1/settings/payments)",
    );
  }
  const id = newId("co");
  const paymentCustomer = await ensurePaymentCustomer(ctx, provider, customer);
  const session = await provider.createCheckout({
    providerCustomerId: paymentCustomer.providerCustomerId,
    currency,
    successUrl,
    cancelUrl,
    metadata: { lumen_env: ctx.env, lumen_customer: customer.id, lumen_checkout: id },
    idempotencyKey: `lumen-${ctx.env}-checkout-${id}`,
  });
  if (!session.url) throw new LumenError("unavailable", "The payment provider gave no checkout page");
  if (pending) {
    await insertSubscription(ctx, pending);
    await recordHistory(ctx, {
      customerId: customer.id,
      objectType: "subscription",
      objectId: pending.id,
      type: "subscription.pending",
      at: now,
      before: null,
      after: serializeSubscription(pending),
    });
  }
  const { successUrl: _success, cancelUrl: _cancel, ...attach } = input;
  await db(ctx).query(
    `INSERT INTO checkouts (env, id, customer_id, provider, session_id, url, status, attach, subscription_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9)`,
    [
      ctx.env,
      id,
      customer.id,
      provider.name,
      session.id,
      session.url,
      JSON.stringify(attach),
      pending?.id ?? null,
      now,
    ],
  );
  await scheduleReconcile(ctx, { checkoutId: id, customer, now, round: 1 });
  return session.url;
}

/**
 * What a checkout's session says, applied once (webhook or reconciliation, in any order, any number of times):
 * complete → the payment method is saved and the kept attach runs now; expired → the pending subscription is
 * removed. Only the session Lumen opened counts for its checkout (its id, whatever the metadata says); a customer
 * deleted meanwhile ends the checkout. Runs in its own transaction, the checkout row locked.
 */
export async function applyCheckoutSession(ctx: EngineContext, session: CheckoutSession): Promise<void> {
  const checkoutId = session.metadata.lumen_checkout;
  if (!checkoutId || session.status === "open") return;
  await withTransaction(ctx, async (ctx) => {
    const { rows } = await db(ctx).query<CheckoutRow>("SELECT * FROM checkouts WHERE env = $1 AND id = $2 FOR UPDATE", [
      ctx.env,
      checkoutId,
    ]);
    const checkout = rows[0];
    if (checkout?.status !== "open" || checkout.session_id !== session.id) return;
    const customer = await loadCustomer(ctx, checkout.customer_id, { forUpdate: true }).catch(() => null);
    const now = customer ? await customerNow(ctx, customer) : ctx.clock.now();
    if (!customer || session.status === "expired" || !session.paymentMethod) {
      await closeCheckout(ctx, checkout, now);
      return;
    }
    await db(ctx).query("UPDATE checkouts SET status = 'complete', completed_at = $3 WHERE env = $1 AND id = $2", [
      ctx.env,
      checkout.id,
      now,
    ]);
    if (checkout.subscription_id) {
      await db(ctx).query("DELETE FROM subscriptions WHERE env = $1 AND id = $2 AND status = 'pending'", [
        ctx.env,
        checkout.subscription_id,
      ]);
    }
    await savePaymentMethod(ctx, {
      customerId: customer.id,
      provider: checkout.provider,
      paymentMethod: session.paymentMethod,
    });
    // The catalog or the customer may have changed since the checkout started: an attach that no longer applies is
    // recorded, not retried forever by the provider's redeliveries (the payment method stays saved).
    await db(ctx).query("SAVEPOINT checkout_attach");
    try {
      await attachPlan({ ctx, input: checkout.attach, checkout: { subscriptionId: checkout.subscription_id } });
    } catch (error) {
      if (!(error instanceof LumenError) || error.code === "unavailable") throw error;
      await db(ctx).query("ROLLBACK TO SAVEPOINT checkout_attach");
      await recordHistory(ctx, {
        customerId: customer.id,
        objectType: "checkout",
        objectId: checkout.id,
        type: "checkout.attach_failed",
        at: now,
        before: null,
        after: { attach: checkout.attach, error: { code: error.code, message: error.message } },
      });
    }
    await enqueueOutbox(ctx, "customer", customer.id);
  });
}

/** Ends a customer's open checkouts (the customer is deleted): their pending subscriptions go with them. */
export async function endOpenCheckouts(ctx: EngineContext, { customerId, at }: { customerId: string; at: Date }) {
  const { rows } = await db(ctx).query<CheckoutRow>(
    "SELECT * FROM checkouts WHERE env = $1 AND customer_id = $2 AND status = 'open' FOR UPDATE",
    [ctx.env, customerId],
  );
  for (const checkout of rows) await closeCheckout(ctx, checkout, at);
}

/** An open checkout that will not complete: expired, its pending subscription removed (history: it never began). */
async function closeCheckout(ctx: EngineContext, checkout: CheckoutRow, at: Date): Promise<void> {
  await db(ctx).query("UPDATE checkouts SET status = 'expired', completed_at = $3 WHERE env = $1 AND id = $2", [
    ctx.env,
    checkout.id,
    at,
  ]);
  await recordHistory(ctx, {
    customerId: checkout.customer_id,
    objectType: "checkout",
    objectId: checkout.id,
    type: "checkout.expired",
    at,
    before: null,
    after: { subscription: checkout.subscription_id },
  });
  if (!checkout.subscription_id) return;
  const { rowCount } = await db(ctx).query(
    "DELETE FROM subscriptions WHERE env = $1 AND id = $2 AND status = 'pending'",
    [ctx.env, checkout.subscription_id],
  );
  if (rowCount !== 1) return;
  await recordHistory(ctx, {
    customerId: checkout.customer_id,
    objectType: "subscription",
    objectId: checkout.subscription_id,
    type: "subscription.checkout_expired",
    at,
    before: null,
    after: null,
  });
}

/** The open checkout of a customer for the same plan, if any: a repeated attach answers it instead of a new one. */
export async function findOpenCheckout(
  ctx: EngineContext,
  { customerId, plan }: { customerId: string; plan: string },
): Promise<{ url: string; subscriptionId: string | null } | null> {
  const { rows } = await db(ctx).query<{ url: string; subscription_id: string | null }>(
    `SELECT url, subscription_id FROM checkouts WHERE env = $1 AND customer_id = $2 AND status = 'open'
       AND attach->>'plan' = $3 ORDER BY created_at DESC LIMIT 1`,
    [ctx.env, customerId, plan],
  );
  const row = rows[0];
  return row ? { url: row.url, subscriptionId: row.subscription_id } : null;
}

/** The job that asks the provider about a checkout whose webhook has not come (a missed webhook never strands it). */
export async function runCheckoutReconcileJob(ctx: EngineContext, job: Job): Promise<void> {
  const checkoutId = String(job.payload.checkout);
  const { rows } = await db(ctx).query<CheckoutRow>("SELECT * FROM checkouts WHERE env = $1 AND id = $2", [
    ctx.env,
    checkoutId,
  ]);
  const checkout = rows[0];
  if (checkout?.status !== "open") return;
  const provider = await activeProvider(ctx);
  if (!provider) return;
  const session = await provider.getCheckout(checkout.session_id);
  if (session.status === "open") {
    const customer = await loadCustomer(ctx, checkout.customer_id);
    const round = Number(job.payload.round ?? 1) + 1;
    await scheduleReconcile(ctx, { checkoutId, customer, now: await customerNow(ctx, customer), round });
    return;
  }
  await applyCheckoutSession(ctx, session);
}

async function scheduleReconcile(
  ctx: EngineContext,
  { checkoutId, customer, now, round }: { checkoutId: string; customer: Customer; now: Date; round: number },
): Promise<void> {
  const { reconcileAfterSeconds } = await loadPaymentSettings(ctx);
  await scheduleJob(ctx, {
    key: `checkout_reconcile:${ctx.env}:${checkoutId}:${round}`,
    type: CHECKOUT_RECONCILE_JOB,
    runAt: new Date(now.getTime() + reconcileAfterSeconds * 1000),
    clockId: customer.testClockId,
    payload: { checkout: checkoutId, round },
  });
}
