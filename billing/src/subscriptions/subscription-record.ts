import { LumenError, notFound } from "@lumen/core";
import { db, type EngineContext } from "../context";

/** `pending`: waiting for its checkout to collect a payment method (issue 6); it entitles to nothing yet. */
export type SubscriptionStatus = "trialing" | "active" | "past_due" | "canceled" | "scheduled" | "pending";

export interface ScheduledChange {
  plan: string;
  planVersion: number;
  at: Date;
}

export interface Subscription {
  id: string;
  customer: string;
  plan: string;
  planVersion: number;
  group: string | null;
  addOn: boolean;
  status: SubscriptionStatus;
  billingAnchor: Date;
  currentPeriodStart: Date;
  currentPeriodEnd: Date;
  trialStart: Date | null;
  trialEnd: Date | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: Date | null;
  endedAt: Date | null;
  scheduledChange: ScheduledChange | null;
  /** When the current plan took effect (creation, or the last plan change). */
  planStartedAt: Date;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

interface SubscriptionRow {
  id: string;
  customer_id: string;
  plan_id: string;
  plan_version: number;
  plan_group: string | null;
  add_on: boolean;
  status: SubscriptionStatus;
  billing_anchor: Date;
  current_period_start: Date;
  current_period_end: Date;
  trial_start: Date | null;
  trial_end: Date | null;
  cancel_at_period_end: boolean;
  canceled_at: Date | null;
  ended_at: Date | null;
  scheduled_change: { plan: string; planVersion: number; at: string } | null;
  plan_started_at: Date;
  version: number;
  created_at: Date;
  updated_at: Date;
}

function toSubscription(row: SubscriptionRow): Subscription {
  return {
    id: row.id,
    customer: row.customer_id,
    plan: row.plan_id,
    planVersion: row.plan_version,
    group: row.plan_group,
    addOn: row.add_on,
    status: row.status,
    billingAnchor: row.billing_anchor,
    currentPeriodStart: row.current_period_start,
    currentPeriodEnd: row.current_period_end,
    trialStart: row.trial_start,
    trialEnd: row.trial_end,
    cancelAtPeriodEnd: row.cancel_at_period_end,
    canceledAt: row.canceled_at,
    endedAt: row.ended_at,
    scheduledChange: row.scheduled_change ? { ...row.scheduled_change, at: new Date(row.scheduled_change.at) } : null,
    planStartedAt: row.plan_started_at,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function loadSubscription(
  ctx: EngineContext,
  id: string,
  { forUpdate = false }: { forUpdate?: boolean } = {},
): Promise<Subscription> {
  const { rows } = await db(ctx).query<SubscriptionRow>(
    `SELECT * FROM subscriptions WHERE env = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`,
    [ctx.env, id],
  );
  const row = rows[0];
  if (!row) throw notFound("subscription", id);
  return toSubscription(row);
}

/** Subscriptions that have not ended, oldest first; locked when the caller already holds the customer's lock. */
export async function listLiveSubscriptions(
  ctx: EngineContext,
  customerId: string,
  { forUpdate = false }: { forUpdate?: boolean } = {},
): Promise<Subscription[]> {
  const { rows } = await db(ctx).query<SubscriptionRow>(
    `SELECT * FROM subscriptions WHERE env = $1 AND customer_id = $2 AND ended_at IS NULL AND status <> 'pending'
     ORDER BY created_at, id${forUpdate ? " FOR UPDATE" : ""}`,
    [ctx.env, customerId],
  );
  return rows.map(toSubscription);
}

export async function listCustomerSubscriptions(ctx: EngineContext, customerId: string): Promise<Subscription[]> {
  const { rows } = await db(ctx).query<SubscriptionRow>(
    "SELECT * FROM subscriptions WHERE env = $1 AND customer_id = $2 ORDER BY created_at, id",
    [ctx.env, customerId],
  );
  return rows.map(toSubscription);
}

export async function insertSubscription(ctx: EngineContext, sub: Subscription): Promise<void> {
  await db(ctx).query(
    `INSERT INTO subscriptions (env, id, customer_id, plan_id, plan_version, plan_group, add_on, status,
       billing_anchor, current_period_start, current_period_end, trial_start, trial_end, cancel_at_period_end,
       canceled_at, ended_at, scheduled_change, plan_started_at, version, created_at, updated_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)`,
    [ctx.env, ...columnValues(sub), sub.version, sub.createdAt, sub.updatedAt],
  );
}

/**
 * Writes the next version of a subscription. The caller holds the row lock; the version check is a second
 * guard: a write computed from a stale copy is refused instead of silently undoing another change.
 */
export async function updateSubscription(ctx: EngineContext, sub: Subscription): Promise<void> {
  const result = await db(ctx).query(
    `UPDATE subscriptions SET customer_id = $3, plan_id = $4, plan_version = $5, plan_group = $6, add_on = $7,
       status = $8, billing_anchor = $9, current_period_start = $10, current_period_end = $11, trial_start = $12,
       trial_end = $13, cancel_at_period_end = $14, canceled_at = $15, ended_at = $16, scheduled_change = $17,
       plan_started_at = $18, version = $19, updated_at = $20
     WHERE env = $1 AND id = $2 AND version = $19 - 1`,
    [ctx.env, ...columnValues(sub), sub.version, sub.updatedAt],
  );
  if (result.rowCount !== 1) {
    throw new LumenError("conflict", `Subscription '${sub.id}' changed meanwhile; retry the request`);
  }
}

function columnValues(sub: Subscription): unknown[] {
  return [
    sub.id,
    sub.customer,
    sub.plan,
    sub.planVersion,
    sub.group,
    sub.addOn,
    sub.status,
    sub.billingAnchor,
    sub.currentPeriodStart,
    sub.currentPeriodEnd,
    sub.trialStart,
    sub.trialEnd,
    sub.cancelAtPeriodEnd,
    sub.canceledAt,
    sub.endedAt,
    sub.scheduledChange ? JSON.stringify(sub.scheduledChange) : null,
    sub.planStartedAt,
  ];
}

/** The API shape of PRODUCT §6. */
export function serializeSubscription(sub: Subscription) {
  const { version: _version, ...rest } = sub;
  return rest;
}
