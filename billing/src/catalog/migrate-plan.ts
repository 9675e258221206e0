import { LumenError, newId } from "@lumen/core";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, withTransaction } from "../context";
import { recordHistory } from "../history/record-history";
import { closeRestartedPeriod, invoicePlanChange } from "../invoices/change-invoices";
import { switchPlanNow } from "../subscriptions/compute-attach";
import { lockSubscription } from "../subscriptions/lock-subscription";
import { scheduleRenewal } from "../subscriptions/renewal-job";
import { type Subscription, serializeSubscription, updateSubscription } from "../subscriptions/subscription-record";
import { loadPlanHead, loadPlanVersion } from "./plan-record";
import { migratePlanInput } from "./schemas";

/**
 * `POST /v1/plans/:id/migrate`: moves the subscriptions on one version to another, now or at their next
 * period (then the renewal applies it, as it applies a downgrade). Answers `{migrated: n}`.
 */
export async function migratePlan({ ctx, id, input }: { ctx: EngineContext; id: string; input: unknown }) {
  const parsed = migratePlanInput.parse(input);
  return withTransaction(ctx, async (ctx) => {
    await loadPlanHead(ctx, id, { forUpdate: true });
    const from = await loadPlanVersion(ctx, id, parsed.fromVersion);
    const to = await loadPlanVersion(ctx, id, parsed.toVersion);
    if (from.definition.addOn !== to.definition.addOn) {
      throw new LumenError("validation_error", "Cannot migrate between a base plan and an add-on", [
        { path: "toVersion", message: "addOn differs from the source version" },
      ]);
    }
    if (from.definition.group !== to.definition.group) {
      throw new LumenError("validation_error", "Cannot migrate between versions of different groups", [
        { path: "toVersion", message: `group differs from the source version's '${from.definition.group}'` },
      ]);
    }
    const { rows } = await db(ctx).query<{ id: string }>(
      `SELECT id FROM subscriptions WHERE env = $1 AND plan_id = $2 AND plan_version = $3 AND ended_at IS NULL
         AND status <> 'pending'
       ORDER BY id`,
      [ctx.env, id, parsed.fromVersion],
    );
    let migrated = 0;
    for (const { id: subscriptionId } of rows) {
      const { sub: before, customer } = await lockSubscription(ctx, subscriptionId);
      // Re-checked under the lock; and a customer's own next step (a cancel or a change to another plan) wins.
      if (before.endedAt || before.plan !== id || before.planVersion !== parsed.fromVersion) continue;
      if (parsed.when === "next_period" && (before.cancelAtPeriodEnd || before.scheduledChange)) continue;
      const now = await customerNow(ctx, customer);
      const after: Subscription =
        parsed.when === "now"
          ? {
              ...switchPlanNow({ current: before, currentPlan: from, target: to, now }),
              cancelAtPeriodEnd: before.cancelAtPeriodEnd,
              canceledAt: before.canceledAt,
              scheduledChange: before.scheduledChange,
            }
          : {
              ...before,
              scheduledChange: { plan: id, planVersion: to.version, at: before.currentPeriodEnd },
              version: before.version + 1,
              updatedAt: now,
            };
      if (parsed.when === "now") {
        await closeRestartedPeriod(ctx, { before, after, fromPlan: from, now, clockId: customer.testClockId });
      }
      await updateSubscription(ctx, after);
      if (parsed.when === "now") {
        // As a change of plan now: the new price for the rest of the period on the next invoice (or a new period
        // billed at once when the interval changed).
        await invoicePlanChange(ctx, { before, after, fromPlan: from, toPlan: to, behavior: "create_prorations", now });
      }
      await recordHistory(ctx, {
        customerId: before.customer,
        objectType: "subscription",
        objectId: before.id,
        type: parsed.when === "now" ? "subscription.plan_changed" : "subscription.change_scheduled",
        at: now,
        before: serializeSubscription(before),
        after: serializeSubscription(after),
      });
      await scheduleRenewal(ctx, after, customer.testClockId);
      migrated++;
    }
    await db(ctx).query(
      `INSERT INTO plan_migrations (id, env, plan_id, from_version, to_version, "when", migrated, actor, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        newId("mig"),
        ctx.env,
        id,
        parsed.fromVersion,
        parsed.toVersion,
        parsed.when,
        migrated,
        ctx.actor,
        ctx.clock.now(),
      ],
    );
    return { migrated };
  });
}
