import {
  CALENDAR_MONTH,
  type CustomerDefinition,
  type FeatureEntitlement,
  type ResetSchedule,
} from "../pipeline/definitions";
import type { Ledger, UsageCounter } from "../pipeline/messages";
import { periodOfSchedule } from "../usage/counter-period";
import { type BurnResult, isGrantActive } from "./burn";
import { checkFeature } from "./check";
import { resolveEntitlement } from "./resolve-entitlement";
import { burnScope, ledgerAt, type Scope } from "./scope";
import type { CheckResult } from "./types";

/** Usage not yet in the counters: events tracked through this sidecar, consumes in flight, held reservations. */
export interface PendingUsage {
  feature: string;
  entity: string | null;
  quantity: number;
}

/** Everything a balance is computed from; the same on the sidecar, the owner and the billing API. */
export interface BalanceState {
  definition: CustomerDefinition | undefined;
  counters: readonly UsageCounter[];
  ledgers: readonly Ledger[];
  pending: readonly PendingUsage[];
}

/** A feature's balance (PRODUCT §9), before the decision for a quantity. */
export interface FeatureBalance {
  feature: string;
  entitlement: FeatureEntitlement;
  /** The counted usage, the allowance and the balance of the scope asked about; null for boolean features. */
  burn: BurnResult | null;
  /** Per seat of a per-seat feature without `pooled` (empty otherwise). */
  seats: { entity: string; burn: BurnResult }[];
  /** The credits feature that pays for usage past the feature's own allowance, when one does. */
  fundedBy: { feature: string; cost: number; burn: BurnResult | null } | null;
}

/**
 * The check of PRODUCT §9 for `quantity` of a feature at `at`: the feature as resolved (plans, override, trial,
 * credits), its balance in the current period (allowance with rollover, then grants, then credits), and the decision.
 */
export function checkEntitlement({
  state,
  feature,
  entity,
  quantity,
  at,
}: {
  state: BalanceState;
  feature: string;
  entity: string | null;
  quantity: number;
  at: number;
}): CheckResult {
  const { definition } = state;
  const entitlement = definition ? baseEntitlementOf(definition, feature, at) : undefined;
  const decision = checkFeature({
    entitlement,
    override: definition?.overrides[feature],
    burn: null,
    quantity,
    at,
    customerExists: definition?.exists ?? false,
    subscriptionActive: entitlement?.subscriptionActive ?? true,
  });
  if (!decision.allowed && decision.reason !== "limit_reached" && decision.reason !== "usage_limit_reached") {
    return decision;
  }
  const balance = featureBalance({ state, feature, entity, at });
  if (balance === null || balance.burn === null) return decision;
  const funding = balance.fundedBy;
  const burn: BurnResult = { ...balance.burn, balance: balanceWithCredits(balance) ?? balance.burn.balance };
  const fundedEntitlement: FeatureEntitlement = {
    ...balance.entitlement,
    unlimited: balance.entitlement.unlimited || (funding !== null && funding.burn === null),
    overageAllowed:
      balance.entitlement.overageAllowed ||
      (funding !== null && definition?.features[funding.feature]?.overageAllowed === true),
  };
  return checkFeature({
    entitlement: fundedEntitlement,
    override: undefined,
    burn,
    quantity,
    at,
    customerExists: true,
    subscriptionActive: true,
  });
}

/**
 * What a check decides on (PRODUCT §2, §9): the feature's own balance, plus the balance of the credits that pay for
 * it in units of the feature. The credits already hold the feature's overage (drawn at `cost` each), so the own part
 * counts only what is left of its allowance and grants. null for features without a burn.
 */
export function balanceWithCredits({ burn, fundedBy }: FeatureBalance): number | null {
  if (burn === null) return null;
  if (!fundedBy?.burn) return burn.balance;
  return burn.balance + burn.overage + fundedBy.burn.balance / fundedBy.cost;
}

/**
 * The balance of one feature for the customer (entity null) or one seat, or null when the feature is not granted
 * at `at`. Boolean features have no burn; an unlimited feature's burn only reports its usage. A credits feature's
 * burn includes what the features it pays for drew from it.
 */
export function featureBalance({
  state,
  feature,
  entity,
  at,
}: {
  state: BalanceState;
  feature: string;
  entity: string | null;
  at: number;
}): FeatureBalance | null {
  const entitlement = resolvedEntitlement(state.definition, feature, at);
  if (entitlement === null) return null;
  const fundedBy = fundingOf(state, feature, at);
  if (entitlement.type === "boolean") return { feature, entitlement, burn: null, seats: [], fundedBy };
  if (entitlement.type === "credits" && paysForFeatures(state, feature) && !perSeatScopes(entitlement)) {
    return {
      feature,
      entitlement,
      burn: creditsBurn({ state, credits: feature, entitlement, at }),
      seats: [],
      fundedBy,
    };
  }
  const own = ownBurn({ state, feature, entitlement, entity, at });
  return { feature, entitlement, burn: own.burn, seats: own.seats, fundedBy };
}

/** Every scope's ledger at the start of its period containing `at`: what the owner keeps when a counter rolls over. */
export function ledgersAt({ state, at }: { state: BalanceState; at: number }): Ledger[] {
  const ledgers: Ledger[] = [];
  const definition = state.definition;
  if (!definition) return ledgers;
  const features = new Set([...Object.keys(definition.features), ...Object.keys(definition.creditCosts)]);
  for (const feature of features) {
    const entitlement = resolvedEntitlement(definition, feature, at);
    if (entitlement === null || entitlement.type === "boolean" || entitlement.unlimited) continue;
    for (const scope of scopesOf({ state, feature, entitlement })) ledgers.push(ledgerAt(scope, at));
  }
  return ledgers;
}

/** The plans' entitlement with the override applied; null when the feature is not granted at `at`. */
export function resolvedEntitlement(
  definition: CustomerDefinition | undefined,
  feature: string,
  at: number,
): FeatureEntitlement | null {
  if (!definition?.exists) return null;
  const resolved = resolveEntitlement({
    entitlement: baseEntitlementOf(definition, feature, at),
    override: definition.overrides[feature],
    at,
  });
  if (!resolved.granted) return null;
  if (resolved.fromPlan && !resolved.entitlement.subscriptionActive) return null;
  if (resolved.fromPlan) return resolved.entitlement;
  // An override alone says nothing of the feature's type (a credits feature is known by its costs) nor of its reset:
  // its counter resets like those of features without a plan item (`resetScheduleOf`), so its balance must too.
  const type = definition.creditCosts[feature] ? "credits" : resolved.entitlement.type;
  return { ...resolved.entitlement, type, reset: counterScheduleOf(definition) };
}

/** The seats of a per-seat feature: entities of the seat gauges (any gauge's entities when none is priced). */
export function seatsOf(definition: CustomerDefinition): string[] {
  const seatFeatures = new Set(definition.seatFeatures);
  const all = Object.entries(definition.entities);
  const seats = seatFeatures.size > 0 ? all.filter(([, gauge]) => seatFeatures.has(gauge)) : all;
  return seats.map(([id]) => id).sort();
}

/**
 * PRODUCT §2: a customer entitled to a credits feature may use every feature its credits pay for, with no plan item
 * of its own: no allowance, hard-limited by the credits, resetting with the credits feature.
 */
function creditsOnlyEntitlement(
  definition: CustomerDefinition | undefined,
  feature: string,
  at: number,
): FeatureEntitlement | undefined {
  if (!definition) return undefined;
  for (const credits of Object.keys(definition.creditCosts).sort()) {
    if (definition.creditCosts[credits]?.[feature] === undefined) continue;
    const paying = resolvedEntitlement(definition, credits, at);
    if (paying === null) continue;
    // Its usage is counted like any feature without a plan item of its own (`resetScheduleOf`): burned the same way.
    const reset = counterScheduleOf(definition);
    return {
      ...paying,
      type: "metered",
      reset,
      included: 0,
      unlimited: false,
      overageAllowed: false,
      usageLimit: null,
    };
  }
  return undefined;
}

/** What grants the feature before overrides: a plan item, else the credits that pay for it, else a grant of it. */
function baseEntitlementOf(
  definition: CustomerDefinition,
  feature: string,
  at: number,
): FeatureEntitlement | undefined {
  return (
    definition.features[feature] ??
    creditsOnlyEntitlement(definition, feature, at) ??
    grantsOnlyEntitlement(definition, feature, at)
  );
}

/**
 * A grant entitles on its own (PRODUCT §10 is silent; a promo grant that gave nothing would surprise): while one is
 * active, a feature no plan grants is usable up to the grants, hard-limited, reset like features without a plan item.
 */
function grantsOnlyEntitlement(
  definition: CustomerDefinition,
  feature: string,
  at: number,
): FeatureEntitlement | undefined {
  if (!definition.grants.some((grant) => grant.feature === feature && isGrantActive(grant, at))) return undefined;
  return {
    type: definition.creditCosts[feature] ? "credits" : "metered",
    reset: counterScheduleOf(definition),
    included: 0,
    unlimited: false,
    per: "customer",
    pooled: false,
    overageAllowed: false,
    usageLimit: null,
    rollover: null,
    trialEndsAt: null,
    subscriptionActive: true,
  };
}

/** The reset of the counters of a feature the plans in force have no item of (see `resetScheduleOf`). */
function counterScheduleOf(definition: CustomerDefinition): ResetSchedule {
  return definition.billingPeriod ?? CALENDAR_MONTH;
}

function paysForFeatures(state: BalanceState, credits: string): boolean {
  return Object.keys(state.definition?.creditCosts[credits] ?? {}).length > 0;
}

/** Whether the feature has one scope per seat (and the seats' shared one) rather than one. */
function perSeatScopes(entitlement: FeatureEntitlement): boolean {
  return entitlement.per === "seat" && !entitlement.pooled;
}

function fundingOf(state: BalanceState, feature: string, at: number): FeatureBalance["fundedBy"] {
  const definition = state.definition;
  if (!definition) return null;
  for (const credits of Object.keys(definition.creditCosts).sort()) {
    const cost = definition.creditCosts[credits]?.[feature];
    if (cost === undefined || cost <= 0) continue;
    const entitlement = resolvedEntitlement(definition, credits, at);
    if (entitlement === null) continue;
    if (entitlement.unlimited) return { feature: credits, cost, burn: null };
    return { feature: credits, cost, burn: creditsBurn({ state, credits, entitlement, at }) };
  }
  return null;
}

/**
 * The credits feature's scope: its own counter (credits tracked directly) plus, for each feature it pays for, `cost ×`
 * the usage that feature's own allowance and grants did not cover, in that feature's current period.
 */
function creditsBurn({
  state,
  credits,
  entitlement,
  at,
}: {
  state: BalanceState;
  credits: string;
  entitlement: FeatureEntitlement;
  at: number;
}): BurnResult {
  const [scope] = scopesOf({ state, feature: credits, entitlement });
  const period = periodOfSchedule(scope!.schedule, at);
  const direct = usedInPeriod(state, credits, null, period.start, entitlement) + pendingOf(state, credits, null);
  const drawnNow = direct + creditsDrawn({ state, credits, at });
  // `known` holds what the counters drew in their period (pending usage aside): only the rest is charged on top.
  const known = scope!.known && scope!.known.period.start === period.start ? scope!.known.used : 0;
  return burnScope(scope!, at, drawnNow - known);
}

/** Credits the features a credits feature pays for draw at `at`: `cost ×` their usage past their own allowances. */
function creditsDrawn({ state, credits, at }: { state: BalanceState; credits: string; at: number }): number {
  const definition = state.definition!;
  let drawn = 0;
  for (const [feature, cost] of Object.entries(definition.creditCosts[credits] ?? {})) {
    const own = resolvedEntitlement(definition, feature, at);
    if (own === null || own.type === "boolean" || own.unlimited) continue;
    const { burn } = ownBurn({ state, feature, entitlement: own, entity: null, at });
    drawn += cost * burn.overage;
  }
  return drawn;
}

/**
 * What a credits scope used in the newest credits period its counters know (its own counter's, or a feature's it pays
 * for): its own usage plus what the features drew then, pending usage aside. With it, what credits were drawn in a
 * period is carried into the next by the ledger, like any other usage (a grant of credits spans periods).
 */
function creditsKnown({
  state,
  credits,
  schedule,
  direct,
}: {
  state: BalanceState;
  credits: string;
  schedule: ResetSchedule | null;
  direct: Scope["known"];
}): Scope["known"] {
  const definition = state.definition!;
  let newest = direct?.period ?? null;
  for (const feature of Object.keys(definition.creditCosts[credits] ?? {})) {
    const counter = state.counters.find((candidate) => candidate.feature === feature && candidate.entity === null);
    if (!counter) continue;
    const period = periodOfSchedule(schedule, counter.periodStart);
    if (newest === null || period.start > newest.start) newest = period;
  }
  if (newest === null) return null;
  const at = newest.end === null ? Math.max(newest.start, ...state.counters.map((c) => c.periodStart)) : newest.end - 1;
  const settled: BalanceState = { ...state, pending: [] };
  const own = direct && direct.period.start === newest.start ? direct.used : 0;
  return { period: newest, used: own + creditsDrawn({ state: settled, credits, at }) };
}

/** The feature's scopes: one, or with per-seat allowances one per seat and then the seats' shared scope. */
function scopesOf({
  state,
  feature,
  entitlement,
}: {
  state: BalanceState;
  feature: string;
  entitlement: FeatureEntitlement;
}): Scope[] {
  const definition = state.definition!;
  const grants = definition.grants.filter((grant) => grant.feature === feature);
  const schedule = entitlement.type === "gauge" || entitlement.reset.interval === null ? null : entitlement.reset;
  const rolloverMax = entitlement.rollover?.max ?? null;
  const scope = (entity: string | null, allowance: number, scopeGrants: Scope["grants"], rollover: number | null) =>
    ({
      feature,
      entity,
      schedule,
      allowance,
      rolloverMax: rollover,
      grants: scopeGrants,
      known: knownUsage(state, feature, entity, entitlement),
      ledger: state.ledgers.find((ledger) => ledger.feature === feature && ledger.entity === entity),
      // A seat may have come later than the plan: its history starts with its first counter.
      since: entity === null ? (entitlement.since ?? null) : null,
    }) satisfies Scope;
  if (entitlement.per !== "seat") {
    const single = scope(null, entitlement.included, grants, rolloverMax);
    if (entitlement.type !== "credits" || !paysForFeatures(state, feature)) return [single];
    return [{ ...single, known: creditsKnown({ state, credits: feature, schedule, direct: single.known }) }];
  }
  const seats = seatsOf(definition);
  if (entitlement.pooled) return [scope(null, entitlement.included * seats.length, grants, rolloverMax)];
  const seatScopes = seats.map((seat) => scope(seat, entitlement.included, [], rolloverMax));
  const shared = scope(null, 0, grants, null);
  return [...seatScopes, { ...shared, known: sharedKnown(shared.known, seatScopes) }];
}

/**
 * What the seats' shared scope used in the customer counter's period: each seat's usage beyond its own allowance,
 * plus usage of no seat. Only this lets a shared ledger roll over like the others.
 */
function sharedKnown(customer: Scope["known"], seats: Scope[]): Scope["known"] {
  if (customer === null) return null;
  const at = customer.period.end === null ? customer.period.start : customer.period.end - 1;
  let seatsUsed = 0;
  let seatsOverage = 0;
  for (const seat of seats) {
    const burn = burnScope(seat, at, 0);
    if (burn.periodStart !== customer.period.start) continue;
    seatsUsed += burn.used;
    seatsOverage += burn.overage;
  }
  return { period: customer.period, used: seatsOverage + Math.max(0, customer.used - seatsUsed) };
}

/**
 * The feature's burn for the customer or one seat. Per seat without `pooled`: each seat burns its own allowance; what
 * the seats use beyond it (and usage of no seat) goes to the shared scope, where the customer's grants absorb it.
 */
function ownBurn({
  state,
  feature,
  entitlement,
  entity,
  at,
}: {
  state: BalanceState;
  feature: string;
  entitlement: FeatureEntitlement;
  entity: string | null;
  at: number;
}): { burn: BurnResult; seats: { entity: string; burn: BurnResult }[] } {
  const scopes = scopesOf({ state, feature, entitlement });
  if (scopes.length === 1) return { burn: burnScope(scopes[0]!, at, pendingOf(state, feature, null)), seats: [] };
  const shared = scopes.at(-1)!;
  const seats = scopes.slice(0, -1).map((scope) => ({
    entity: scope.entity!,
    burn: burnScope(scope, at, pendingOf(state, feature, scope.entity)),
  }));
  const periodStart = periodOfSchedule(shared.schedule, at).start;
  const customerUsed = usedInPeriod(state, feature, null, periodStart, entitlement) + pendingOf(state, feature, null);
  const seatsUsed = seats.reduce((sum, seat) => sum + seat.burn.used, 0);
  const seatsOverage = seats.reduce((sum, seat) => sum + seat.burn.overage, 0);
  // Usage of no seat (or of an entity that is not a seat) has no allowance of its own.
  const unattributed = Math.max(0, customerUsed - seatsUsed);
  const pool = burnScope({ ...shared, known: null, ledger: ledgerAt(shared, at) }, at, seatsOverage + unattributed);
  const seatsLeft = seats.reduce((sum, seat) => sum + seat.burn.allowanceRemaining, 0);
  const grantsLeft = pool.balance + pool.overage;
  const seat = entity === null ? undefined : seats.find((candidate) => candidate.entity === entity);
  if (seat) {
    // One seat's unused allowance never offsets another's; the shared grants serve every seat.
    const uncovered = Math.min(seat.burn.overage, pool.overage);
    return {
      burn: {
        ...seat.burn,
        grantRemaining: pool.grantRemaining,
        // What the shared grants absorbed is no overage (credits that pay for the feature draw the rest).
        overage: uncovered,
        balance: seat.burn.allowanceRemaining + grantsLeft - uncovered,
      },
      seats,
    };
  }
  const allowance = entitlement.included * seats.length;
  return {
    burn: {
      ...pool,
      allowance,
      rolledOver: seats.reduce((sum, s) => sum + s.burn.rolledOver, 0),
      used: customerUsed,
      allowanceRemaining: seatsLeft,
      balance: seatsLeft + grantsLeft - pool.overage,
    },
    seats,
  };
}

/** What the counters know of a scope's usage. A gauge's level is its entities when it has some (seats). */
function knownUsage(
  state: BalanceState,
  feature: string,
  entity: string | null,
  entitlement: FeatureEntitlement,
): Scope["known"] {
  if (entitlement.type === "gauge" && entity === null) {
    const level = Object.values(state.definition?.entities ?? {}).filter((gauge) => gauge === feature).length;
    if (level > 0) return { period: { start: 0, end: null }, used: level };
  }
  const counter = state.counters.find((candidate) => candidate.feature === feature && candidate.entity === entity);
  if (!counter) return null;
  return { period: { start: counter.periodStart, end: counter.periodEnd }, used: counter.value };
}

function usedInPeriod(
  state: BalanceState,
  feature: string,
  entity: string | null,
  periodStart: number,
  entitlement: FeatureEntitlement,
): number {
  const known = knownUsage(state, feature, entity, entitlement);
  return known && known.period.start === periodStart ? known.used : 0;
}

/** Pending usage of a feature: all of it for the customer (entity null), else the entity's. */
function pendingOf(state: BalanceState, feature: string, entity: string | null): number {
  let total = 0;
  for (const usage of state.pending) {
    if (usage.feature === feature && (entity === null || usage.entity === entity)) total += usage.quantity;
  }
  return total;
}
