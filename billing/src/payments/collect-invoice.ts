import { LumenError } from "@lumen/core";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, withTransaction } from "../context";
import { type Customer, loadCustomer } from "../customers/customer-record";
import { recordHistory } from "../history/record-history";
import { type Invoice, loadInvoice, lockInvoice, writeInvoiceStatus } from "../invoices/invoice-record";
import type { Job } from "../jobs/run-due-jobs";
import { scheduleJob } from "../jobs/schedule-job";
import { cancelSubscription } from "../subscriptions/cancel-subscription";
import { lockSubscription } from "../subscriptions/lock-subscription";
import { serializeSubscription, updateSubscription } from "../subscriptions/subscription-record";
import { loadPaymentCustomer } from "./payment-customer";
import { type PaymentProvider, type ProviderPayment, ProviderUnavailableError } from "./payment-provider";
import { insertPayment, listInvoicePayments, loadPayment, type Payment, writePaymentOutcome } from "./payment-record";
import { activeProvider, loadPaymentSettings } from "./payment-settings";

export const COLLECT_JOB = "invoice.collect";
export const CHARGE_JOB = "payment.charge";
export const PAYMENT_RECONCILE_JOB = "payment.reconcile";

/**
 * Schedules the charge of a finalized invoice (PRODUCT §13) when the environment collects through a provider and
 * the customer has a payment method; otherwise the invoice stays open until paid out of band. Runs in the
 * finalization's transaction: the charge happens after it commits, in its own job.
 */
export async function scheduleCollection(
  ctx: EngineContext,
  { invoice, customer, at }: { invoice: Invoice; customer: Customer | null; at: Date },
): Promise<void> {
  if (invoice.status !== "open" || !invoice.amountDue.gt(0) || !customer) return;
  const provider = await activeProvider(ctx);
  if (!provider || !(await loadPaymentCustomer(ctx, customer.id, provider.name))?.paymentMethod) return;
  await scheduleAttempt(ctx, { invoiceId: invoice.id, attempt: 1, runAt: at, clockId: customer.testClockId });
}

/**
 * Claims one attempt of an invoice: the attempt (its idempotency key) is written and committed with this job, and
 * the charge job that asks the provider runs next. Two jobs, each on its own one connection: the attempt exists
 * before the provider is ever asked, and no job waits for a second connection of the pool.
 */
export async function runCollectJob(ctx: EngineContext, job: Job): Promise<void> {
  const provider = await activeProvider(ctx);
  if (!provider) return;
  const claimed = await claimAttempt(ctx, provider, String(job.payload.invoice), Number(job.payload.attempt));
  if (!claimed) return;
  await scheduleJob(ctx, {
    key: `charge:${ctx.env}:${claimed.payment.id}`,
    type: CHARGE_JOB,
    runAt: claimed.at,
    clockId: claimed.customer.testClockId,
    payload: { payment: claimed.payment.id },
  });
}

/**
 * Asks the provider to charge a claimed attempt and records the answer in this job's transaction. A crash before
 * the commit runs the job again, and the attempt's idempotency key makes the provider answer what it did the first
 * time: never a second charge. An invoice no longer open (paid out of band, voided) is not charged.
 */
export async function runChargeJob(ctx: EngineContext, job: Job): Promise<void> {
  const provider = await activeProvider(ctx);
  const payment = await loadPayment(ctx, String(job.payload.payment));
  if (!provider || payment?.status !== "pending") return;
  await chargeOrClose(ctx, provider, payment);
}

/** The job that asks the provider about a payment still without a final answer: a missed webhook is caught here. */
export async function runPaymentReconcileJob(ctx: EngineContext, job: Job): Promise<void> {
  const provider = await activeProvider(ctx);
  const payment = await loadPayment(ctx, String(job.payload.payment));
  if (!provider || !payment || payment.status === "succeeded" || payment.status === "failed") return;
  const answer = payment.providerPaymentId
    ? await provider.getPayment(payment.providerPaymentId).catch(unavailable)
    : // Never recorded (a crash around the provider's answer): asked again with the same key, if still owed.
      await chargeOrClose(ctx, provider, payment);
  if (!answer) return;
  if (payment.providerPaymentId) await applyPaymentOutcome(ctx, payment.id, answer);
  if (answer.status === "processing") {
    const customer = await loadCustomer(ctx, payment.customerId);
    await scheduleReconcile(ctx, { payment, customer, round: Number(job.payload.round ?? 1) + 1 });
  }
}

/**
 * Charges an attempt with its key while its invoice is still owed, and records the answer; an invoice paid or
 * voided meanwhile closes the attempt instead (`invoice_closed`) and nothing is charged.
 */
async function chargeOrClose(
  ctx: EngineContext,
  provider: PaymentProvider,
  payment: Payment,
): Promise<ProviderPayment | null> {
  const invoice = await loadInvoice(ctx, payment.invoiceId);
  if (invoice.status !== "open" || !invoice.amountDue.gt(0)) {
    const closed: ProviderPayment = {
      id: null,
      status: "failed",
      failureCode: "invoice_closed",
      failureMessage: `Invoice ${invoice.id} is ${invoice.status}: not charged`,
      metadata: {},
    };
    await applyPaymentOutcome(ctx, payment.id, closed);
    return null;
  }
  const answer = await askProvider(ctx, provider, { payment, ...(await chargeTarget(ctx, provider, payment)) });
  await applyPaymentOutcome(ctx, payment.id, answer);
  return answer;
}

/**
 * Applies what the provider says of a payment (the charge's answer, a webhook, a reconciliation), in any order and
 * any number of times: a payment only moves forward (pending → processing → succeeded | failed; a late success
 * after a failure still counts, money came in). Success pays the invoice and brings a `past_due` subscription back
 * to `active`; a failure of the newest attempt makes the subscription `past_due` and schedules the next retry, or
 * ends the dunning.
 */
export async function applyPaymentOutcome(
  ctx: EngineContext,
  paymentId: string,
  answer: ProviderPayment,
  { fromEvent = false }: { fromEvent?: boolean } = {},
) {
  await withTransaction(ctx, async (ctx) => {
    const unlocked = await loadPayment(ctx, paymentId);
    if (!unlocked) return;
    // An event must be about the provider payment this attempt made (its recorded id), whatever its metadata says.
    if (fromEvent && (unlocked.providerPaymentId === null || unlocked.providerPaymentId !== answer.id)) return;
    const invoice = await lockInvoice(ctx, unlocked.invoiceId);
    const payment = (await loadPayment(ctx, paymentId, { forUpdate: true }))!;
    if (!moves(payment.status, answer.status)) return;
    const customer = await loadCustomer(ctx, payment.customerId).catch(() => null);
    const at = customer ? await customerNow(ctx, customer) : ctx.clock.now();
    await writePaymentOutcome(
      ctx,
      {
        id: payment.id,
        status: answer.status,
        providerPaymentId: answer.id,
        failureCode: answer.failureCode,
        failureMessage: answer.failureMessage,
      },
      at,
    );
    await recordHistory(ctx, {
      customerId: payment.customerId,
      objectType: "payment",
      objectId: payment.id,
      type: `payment.${answer.status}`,
      at,
      before: { status: payment.status },
      after: { status: answer.status, invoice: invoice.id, attempt: payment.attempt, failureCode: answer.failureCode },
    });
    if (answer.status === "succeeded") await settleInvoice(ctx, invoice, at);
    if (answer.status === "failed") await dun(ctx, { invoice, payment, customer, at });
  });
}

/** Which moves a payment makes: forward only, and a late success after a failure. */
function moves(from: Payment["status"], to: ProviderPayment["status"]): boolean {
  if (from === "succeeded" || from === to) return false;
  if (from === "failed") return to === "succeeded";
  return true;
}

async function claimAttempt(
  ctx: EngineContext,
  provider: PaymentProvider,
  invoiceId: string,
  attempt: number,
): Promise<{ payment: Payment; customer: Customer; at: Date } | null> {
  const invoice = await lockInvoice(ctx, invoiceId);
  if (invoice.status !== "open" || !invoice.amountDue.gt(0)) return null;
  const payments = await listInvoicePayments(ctx, invoiceId);
  const existing = payments.find((payment) => payment.attempt === attempt);
  if (existing && existing.status !== "pending") return null;
  // An earlier attempt still waiting for its answer (processing): the reconciliation settles it first.
  if (payments.some((payment) => payment.attempt !== attempt && payment.status === "processing")) return null;
  const paymentCustomer = await loadPaymentCustomer(ctx, invoice.customer, provider.name);
  if (!paymentCustomer?.paymentMethod) return null;
  const customer = await loadCustomer(ctx, invoice.customer);
  const at = await customerNow(ctx, customer);
  const payment =
    existing ??
    (await insertPayment(ctx, {
      invoiceId,
      customerId: invoice.customer,
      provider: provider.name,
      attempt,
      amount: invoice.amountDue,
      currency: invoice.currency,
      at,
    }));
  if (!existing) await scheduleReconcile(ctx, { payment, customer, round: 1 });
  return { payment, customer, at };
}

async function chargeTarget(ctx: EngineContext, provider: PaymentProvider, payment: Payment) {
  const paymentCustomer = await loadPaymentCustomer(ctx, payment.customerId, provider.name);
  if (!paymentCustomer?.paymentMethod) throw new Error(`payment ${payment.id}: the customer has no payment method`);
  return { providerCustomerId: paymentCustomer.providerCustomerId, paymentMethod: paymentCustomer.paymentMethod };
}

async function askProvider(
  ctx: EngineContext,
  provider: PaymentProvider,
  {
    payment,
    providerCustomerId,
    paymentMethod,
  }: { payment: Payment; providerCustomerId: string; paymentMethod: string },
): Promise<ProviderPayment> {
  return provider
    .charge({
      providerCustomerId,
      paymentMethod,
      amount: payment.amount,
      currency: payment.currency,
      description: `Invoice ${payment.invoiceId}`,
      metadata: {
        lumen_env: ctx.env,
        lumen_customer: payment.customerId,
        lumen_invoice: payment.invoiceId,
        lumen_payment: payment.id,
      },
      idempotencyKey: payment.idempotencyKey,
    })
    .catch(unavailable);
}

/** The provider did not answer: the job runs again later without using up its attempts (the same key is reused). */
function unavailable(error: unknown): never {
  if (error instanceof ProviderUnavailableError) {
    throw new LumenError("unavailable", `The payment provider did not answer: ${error.message}`);
  }
  throw error;
}

async function settleInvoice(ctx: EngineContext, invoice: Invoice, at: Date): Promise<void> {
  if (invoice.status === "open" || invoice.status === "uncollectible") {
    await writeInvoiceStatus(ctx, { ...invoice, status: "paid", amountPaid: invoice.amountDue, paidAt: at }, { at });
    await recordHistory(ctx, {
      customerId: invoice.customer,
      objectType: "invoice",
      objectId: invoice.id,
      type: "invoice.paid",
      at,
      before: { status: invoice.status },
      after: { status: "paid" },
    });
  }
  await endDunning(ctx, { invoice, outcome: "paid", at });
}

/**
 * An invoice the dunning was about left `open` (paid by the provider or out of band, voided, marked
 * uncollectible): paid or voided, the subscription is `active` again once none of its open invoices has a failed
 * charge; uncollectible ends the dunning as a last failure would (`afterLastFailure`).
 */
export async function endDunning(
  ctx: EngineContext,
  { invoice, outcome, at }: { invoice: Invoice; outcome: "paid" | "void" | "uncollectible"; at: Date },
): Promise<void> {
  if (!invoice.subscription) return;
  if (outcome === "uncollectible") {
    const { dunning } = await loadPaymentSettings(ctx);
    const { sub } = await lockSubscription(ctx, invoice.subscription);
    if (sub.status === "past_due" && !sub.endedAt && dunning.afterLastFailure === "cancel") {
      await cancelSubscription({ ctx, id: sub.id, input: { when: "now", prorationBehavior: "none" } });
    }
    return;
  }
  const { sub } = await lockSubscription(ctx, invoice.subscription);
  if (sub.status !== "past_due" || sub.endedAt) return;
  // Back to active once nothing else of the subscription is left unpaid after a failed charge.
  const { rows } = await db(ctx).query(
    `SELECT 1 FROM invoices i WHERE i.env = $1 AND i.subscription_id = $2 AND i.status = 'open' AND i.id <> $3
       AND EXISTS (SELECT 1 FROM payments p WHERE p.env = i.env AND p.invoice_id = i.id AND p.status = 'failed')`,
    [ctx.env, sub.id, invoice.id],
  );
  if (rows.length > 0) return;
  const after = { ...sub, status: "active" as const, version: sub.version + 1, updatedAt: at };
  await updateSubscription(ctx, after);
  await recordHistory(ctx, {
    customerId: sub.customer,
    objectType: "subscription",
    objectId: sub.id,
    type: "subscription.recovered",
    at,
    before: serializeSubscription(sub),
    after: serializeSubscription(after),
  });
}

/** A failed attempt: `past_due`, then the next retry of the schedule, or the end of the dunning after the last. */
async function dun(
  ctx: EngineContext,
  { invoice, payment, customer, at }: { invoice: Invoice; payment: Payment; customer: Customer | null; at: Date },
): Promise<void> {
  const newest = Math.max(...(await listInvoicePayments(ctx, invoice.id)).map((entry) => entry.attempt));
  if (payment.attempt !== newest || invoice.status !== "open") return;
  const { dunning } = await loadPaymentSettings(ctx);
  const subscription = invoice.subscription ? await lockSubscription(ctx, invoice.subscription) : null;
  const sub = subscription?.sub;
  if (sub && !sub.endedAt && (sub.status === "active" || sub.status === "trialing")) {
    const after = { ...sub, status: "past_due" as const, version: sub.version + 1, updatedAt: at };
    await updateSubscription(ctx, after);
    await recordHistory(ctx, {
      customerId: sub.customer,
      objectType: "subscription",
      objectId: sub.id,
      type: "subscription.past_due",
      at,
      before: serializeSubscription(sub),
      after: serializeSubscription(after),
    });
  }
  const wait = dunning.retryDays[payment.attempt - 1];
  if (wait !== undefined) {
    await scheduleAttempt(ctx, {
      invoiceId: invoice.id,
      attempt: payment.attempt + 1,
      runAt: new Date(at.getTime() + wait * 86_400_000),
      clockId: customer?.testClockId ?? null,
    });
    return;
  }
  if (sub && !sub.endedAt && dunning.afterLastFailure === "cancel") {
    await cancelSubscription({ ctx, id: sub.id, input: { when: "now", prorationBehavior: "none" } });
  }
}

async function scheduleAttempt(
  ctx: EngineContext,
  { invoiceId, attempt, runAt, clockId }: { invoiceId: string; attempt: number; runAt: Date; clockId: string | null },
): Promise<void> {
  await scheduleJob(ctx, {
    key: `collect:${ctx.env}:${invoiceId}:${attempt}`,
    type: COLLECT_JOB,
    runAt,
    clockId,
    payload: { invoice: invoiceId, attempt },
  });
}

async function scheduleReconcile(
  ctx: EngineContext,
  { payment, customer, round }: { payment: Payment; customer: Customer; round: number },
): Promise<void> {
  const { reconcileAfterSeconds } = await loadPaymentSettings(ctx);
  const now = await customerNow(ctx, customer);
  await scheduleJob(ctx, {
    key: `payment_reconcile:${ctx.env}:${payment.id}:${round}`,
    type: PAYMENT_RECONCILE_JOB,
    runAt: new Date(now.getTime() + reconcileAfterSeconds * 1000),
    clockId: customer.testClockId,
    payload: { payment: payment.id, round },
  });
}
