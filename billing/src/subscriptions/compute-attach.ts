import { type Decimal, LumenError, nextBoundaryAfter } from "@lumen/core";
import type { PlanVersion } from "../catalog/plan-record";
import type { Subscription } from "./subscription-record";

const DAY_MS = 86_400_000;

export interface AttachSetup {
  now: Date;
  customerId: string;
  target: PlanVersion;
  input: { trial?: boolean; when?: "now" | "period_end"; billingAnchor?: Date };
  /** Subscriptions of the customer that have not ended. */
  live: Subscription[];
  /** The current plan version of each live subscription, by subscription id. */
  livePlans: Map<string, PlanVersion>;
  /** Whether the customer already had a trial of the target plan (one trial per customer per plan). */
  hadTrial: boolean;
  /** The recurring monthly price of a plan version at the customer's seat count (upgrade or downgrade). */
  monthlyAmountOf: (plan: PlanVersion) => Decimal;
  newSubscriptionId: string;
}

export type AttachDecision =
  | { kind: "create"; subscription: Subscription }
  | { kind: "change_now"; before: Subscription; after: Subscription; direction: "upgrade" | "downgrade" }
  | { kind: "change_scheduled"; before: Subscription; after: Subscription; direction: "upgrade" | "downgrade" };

/**
 * Decides what attaching a plan does (PRODUCT §6): a new subscription, or a change of the one the customer
 * holds in the plan's group — an upgrade switches now, a downgrade at period end, unless `when` says otherwise.
 */
export function computeAttach(setup: AttachSetup): AttachDecision {
  const { target, live, input } = setup;
  const definition = target.definition;
  if (definition.addOn) {
    if (live.some((sub) => sub.plan === target.plan)) {
      throw new LumenError("conflict", `Customer already has the add-on '${target.plan}'`);
    }
    return { kind: "create", subscription: newSubscription(setup) };
  }
  const current = live.find((sub) => !sub.addOn && sub.group === definition.group);
  if (!current) return { kind: "create", subscription: newSubscription(setup) };
  if (current.plan === target.plan && current.planVersion === target.version) {
    throw new LumenError("conflict", `Customer is already on '${target.plan}' version ${target.version}`);
  }
  const currentPlan = setup.livePlans.get(current.id);
  if (!currentPlan) throw new Error(`plan of subscription ${current.id} not loaded`);
  const direction = setup.monthlyAmountOf(target).gte(setup.monthlyAmountOf(currentPlan)) ? "upgrade" : "downgrade";
  const when = input.when ?? (direction === "upgrade" ? "now" : "period_end");
  if (when === "period_end") {
    const after: Subscription = {
      ...current,
      scheduledChange: { plan: target.plan, planVersion: target.version, at: current.currentPeriodEnd },
      // Choosing the next plan undoes a scheduled cancel, as an immediate change does.
      cancelAtPeriodEnd: false,
      canceledAt: null,
      version: current.version + 1,
      updatedAt: setup.now,
    };
    return { kind: "change_scheduled", before: current, after, direction };
  }
  // Leaving a free plan for a paid one starts a new billing period now, as Stripe does: nothing to prorate against.
  const fromFree = setup.monthlyAmountOf(currentPlan).isZero() && !setup.monthlyAmountOf(target).isZero();
  const switched = switchPlanNow({ current, currentPlan, target, now: setup.now, restart: fromFree });
  // Moving to a plan with a trial (say from the free default) starts that plan's trial now, once.
  const trial = current.status === "trialing" ? null : trialOf(setup);
  const after: Subscription = trial
    ? {
        ...switched,
        status: "trialing",
        trialStart: setup.now,
        trialEnd: trial.end,
        billingAnchor: input.billingAnchor ?? trial.end,
        currentPeriodStart: setup.now,
        currentPeriodEnd: trial.end,
      }
    : switched;
  return { kind: "change_now", before: current, after, direction };
}

/** The subscription on another plan from `now` on; a new interval restarts the billing period at `now`. */
export function switchPlanNow({
  current,
  currentPlan,
  target,
  now,
  restart = false,
}: {
  current: Subscription;
  currentPlan: PlanVersion;
  target: PlanVersion;
  now: Date;
  /** Start a new period now whatever the intervals (from a free plan to a paid one). */
  restart?: boolean;
}): Subscription {
  const interval = target.definition.interval;
  // A trial keeps its end; otherwise only a change of interval restarts the period (as Stripe does).
  const keepsPeriod = !restart && (current.status === "trialing" || currentPlan.definition.interval === interval);
  const anchor = keepsPeriod ? current.billingAnchor : now;
  return {
    ...current,
    plan: target.plan,
    planVersion: target.version,
    group: target.definition.group ?? null,
    planStartedAt: now,
    billingAnchor: anchor,
    currentPeriodStart: keepsPeriod ? current.currentPeriodStart : now,
    currentPeriodEnd: keepsPeriod ? current.currentPeriodEnd : nextBoundaryAfter({ anchor, interval, at: now }),
    cancelAtPeriodEnd: false,
    canceledAt: null,
    scheduledChange: null,
    version: current.version + 1,
    updatedAt: now,
  };
}

/** The trial the attach starts, if the plan has one, it was not declined, and the customer never had it. */
function trialOf(setup: AttachSetup): { end: Date } | null {
  const { now, target, input } = setup;
  const trialDays = target.definition.trialDays ?? 0;
  if (input.trial === true && trialDays === 0) {
    throw new LumenError("validation_error", `Plan '${target.plan}' has no trial`, [
      { path: "trial", message: "the plan has no trialDays" },
    ]);
  }
  if (input.trial === true && setup.hadTrial) {
    throw new LumenError("conflict", `Customer already had a trial of '${target.plan}'`);
  }
  if (trialDays === 0 || input.trial === false || setup.hadTrial) return null;
  return { end: new Date(now.getTime() + trialDays * DAY_MS) };
}

function newSubscription(setup: AttachSetup): Subscription {
  const { now, target, input } = setup;
  const definition = target.definition;
  const trial = trialOf(setup);
  const trialing = trial !== null;
  const trialEnd = trial?.end ?? null;
  const anchor = input.billingAnchor ?? trialEnd ?? now;
  const periodEnd = trialEnd ?? nextBoundaryAfter({ anchor, interval: definition.interval, at: now });
  return {
    id: setup.newSubscriptionId,
    customer: setup.customerId,
    plan: target.plan,
    planVersion: target.version,
    group: definition.addOn ? null : (definition.group ?? null),
    addOn: definition.addOn,
    status: trialing ? "trialing" : "active",
    billingAnchor: anchor,
    currentPeriodStart: now,
    currentPeriodEnd: periodEnd,
    trialStart: trialing ? now : null,
    trialEnd,
    cancelAtPeriodEnd: false,
    canceledAt: null,
    endedAt: null,
    scheduledChange: null,
    planStartedAt: now,
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}
