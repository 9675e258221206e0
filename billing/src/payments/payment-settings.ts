import { LumenError } from "@lumen/core";
import { z } from "zod";
import { db, type EngineContext, withTransaction } from "../context";
import { enqueueOutbox } from "../definitions/enqueue-outbox";
import { loadSetting, lockSetting, writeSetting } from "../settings/settings-store";
import type { PaymentProvider } from "./payment-provider";

/** `PUT /v1/settings/payments` (PRODUCT §13): fields given replace the stored ones. */
export const paymentSettingsInput = z.strictObject({
  /** `manual`: invoices stay open until paid out of band; `stripe`: needs the process's `STRIPE_SECRET_KEY`. */
  provider: z.enum(["manual", "stripe"]).optional(),
  dunning: z
    .strictObject({
      /** Days after each failed charge until the next attempt; after the last one the dunning ends. */
      retryDays: z.array(z.number().int().min(1).max(60)).max(10).optional(),
      /** What a `past_due` subscription entitles to meanwhile. */
      pastDueEntitlements: z.enum(["keep", "revoke"]).optional(),
      /** What the subscription becomes when the last retry fails. */
      afterLastFailure: z.enum(["cancel", "past_due"]).optional(),
    })
    .optional(),
  /** Where the hosted checkout sends the customer back (an attach may give its own). */
  checkoutSuccessUrl: z.url().max(2000).nullable().optional(),
  checkoutCancelUrl: z.url().max(2000).nullable().optional(),
  /** How long a payment or a checkout may wait for its webhook before Lumen asks the provider itself. */
  reconcileAfterSeconds: z.number().int().min(10).max(86_400).optional(),
});

export interface PaymentSettings {
  provider: "manual" | "stripe";
  dunning: { retryDays: number[]; pastDueEntitlements: "keep" | "revoke"; afterLastFailure: "cancel" | "past_due" };
  checkoutSuccessUrl: string | null;
  checkoutCancelUrl: string | null;
  reconcileAfterSeconds: number;
}

/** Stripe's Smart Retries aside, the schedule of PRODUCT §13: after 1, 3 and 7 days, then canceled. */
const DEFAULTS: PaymentSettings = {
  provider: "manual",
  dunning: { retryDays: [1, 3, 7], pastDueEntitlements: "keep", afterLastFailure: "cancel" },
  checkoutSuccessUrl: null,
  checkoutCancelUrl: null,
  reconcileAfterSeconds: 600,
};

export async function loadPaymentSettings(ctx: EngineContext): Promise<PaymentSettings> {
  const stored = await loadSetting<PaymentSettings>(ctx, "payments");
  return { ...DEFAULTS, ...stored, dunning: { ...DEFAULTS.dunning, ...stored?.dunning } };
}

/**
 * The provider that collects this environment's invoices; null with `manual`, and null when the process's key is of
 * the other mode (a test key never collects live invoices, a live key never charges the test environment).
 */
export async function activeProvider(ctx: EngineContext): Promise<PaymentProvider | null> {
  const settings = await loadPaymentSettings(ctx);
  if (settings.provider !== "stripe" || !ctx.payments) return null;
  return ctx.payments.mode === ctx.env ? ctx.payments : null;
}

export async function getPaymentSettings({ ctx }: { ctx: EngineContext }): Promise<PaymentSettings> {
  return loadPaymentSettings(ctx);
}

export async function putPaymentSettings({
  ctx,
  input,
}: {
  ctx: EngineContext;
  input: unknown;
}): Promise<PaymentSettings> {
  const parsed = paymentSettingsInput.parse(input ?? {});
  if (parsed.provider === "stripe" && !ctx.payments) {
    throw new LumenError(
      "validation_error",
      "This billing process has no Stripe key: start it with STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET",
      [{ path: "provider", message: "stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET" }],
    );
  }
  if (parsed.provider === "stripe" && ctx.payments && ctx.payments.mode !== ctx.env) {
    const wanted = ctx.env === "live" ? "a live key (sk_live_…)" : "a test key (sk_test_…)";
    throw new LumenError("validation_error", `The ${ctx.env} environment collects through ${wanted}`, [
      {
        path: "provider",
        message: `this process's Stripe key is a ${ctx.payments.mode} key; the ${ctx.env} environment needs ${wanted}`,
      },
    ]);
  }
  return withTransaction(ctx, async (ctx) => {
    await lockSetting(ctx, "payments");
    const current = await loadPaymentSettings(ctx);
    const next: PaymentSettings = {
      provider: parsed.provider ?? current.provider,
      dunning: { ...current.dunning, ...stripUndefined(parsed.dunning ?? {}) },
      checkoutSuccessUrl:
        parsed.checkoutSuccessUrl === undefined ? current.checkoutSuccessUrl : parsed.checkoutSuccessUrl,
      checkoutCancelUrl: parsed.checkoutCancelUrl === undefined ? current.checkoutCancelUrl : parsed.checkoutCancelUrl,
      reconcileAfterSeconds: parsed.reconcileAfterSeconds ?? current.reconcileAfterSeconds,
    };
    await writeSetting(ctx, "payments", next);
    if (next.dunning.pastDueEntitlements !== current.dunning.pastDueEntitlements) {
      // What past_due subscriptions entitle to changed: their customers' definitions go to the sidecars again.
      const { rows } = await db(ctx).query<{ customer_id: string }>(
        "SELECT DISTINCT customer_id FROM subscriptions WHERE env = $1 AND status = 'past_due' AND ended_at IS NULL",
        [ctx.env],
      );
      for (const row of rows) await enqueueOutbox(ctx, "customer", row.customer_id);
    }
    return next;
  });
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as Partial<T>;
}
