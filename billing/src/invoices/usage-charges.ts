import {
  type BalanceState,
  type CustomerDefinition,
  Decimal,
  featureBalance,
  type Ledger,
  LumenError,
  ledgersAt,
  type PeriodTotalsResult,
  periodOfSchedule,
  type QuantityPrice,
  type ResetSchedule,
  ratePrice,
  resetScheduleOf,
  roundMoney,
  type UsageCounter,
} from "@lumen/core";
import type { FeatureItem, PlanDefinition } from "../catalog/schemas";

/**
 * The arrears usage lines of a period invoice (PRODUCT §3, §7), priced on the same balances a check computes
 * (allowance with rollover, grants in burn order, credits, seats), so what `GET /usage` showed as overage is billed.
 *
 * Rule: the overage of a reset window W is billed on the invoice of the billing period P = [periodStart, periodEnd)
 * in which it accrues. For each window W of a priced feature that overlaps P, the quantity is
 *   overage(W as of min(W.end, P.end)) − overage(W as of P.start)   when W started before P (a yearly allowance
 *                                                                    billed monthly: each close bills the increase),
 *   overage(W as of min(W.end, P.end))                               otherwise,
 * summed over the windows per (feature, entity), then priced once by the plan item's price (a daily reset in a
 * monthly period bills the sum of the daily overages). "W as of t" is the balance at t − 1 ms with the counters of
 * W holding the totals over [W.start, t). An increase below zero (usage corrected after it was billed) bills 0.
 *
 * Two phases keep the I/O outside: `usageRangesOf` lists the totals needed, `computeUsageCharges` prices them.
 * Every instant is evaluated with every counter the balances read (each feature in its own window then), and the
 * ledgers are carried from window to window with `ledgersAt`, as the owner keeps them.
 */

/** A time range [from, to) (ms) whose usage totals `computeUsageCharges` needs. */
export interface UsageRange {
  from: number;
  to: number;
}

/** Usage totals over [from, to): per feature for the customer (entity null) and per (feature, entity). */
export type UsageTotals = (from: number, to: number) => PeriodTotalsResult["totals"];

/** One arrears usage line (PRODUCT §7, line type `usage`). */
export interface UsageChargeLine {
  feature: string;
  /** The seat of a per-seat feature; null for the customer (or usage of no seat). */
  entity: string | null;
  /** The plan whose item prices the line (`planId`), as invoice lines carry it. */
  plan: string;
  /** Billable units: the overage of the period (fractional for `sum` meters). */
  quantity: number;
  /** The `per_unit` price's unitAmount; null for other models. */
  unitAmount: Decimal | null;
  /** Rounded half-up to the currency's minor unit. */
  amount: Decimal;
  description: string;
  periodStart: number;
  periodEnd: number;
}

interface CloseInput {
  definition: CustomerDefinition;
  plan: PlanDefinition;
  periodStart: number;
  periodEnd: number;
}

/** Every range whose totals `computeUsageCharges` reads for the close of [periodStart, periodEnd), sorted. */
export function usageRangesOf(input: CloseInput): UsageRange[] {
  const close = planClose(input);
  const ranges = new Map<string, UsageRange>();
  const instants = close.startInstant === null ? close.instants : [close.startInstant, ...close.instants];
  for (const instant of instants) {
    for (const schedule of close.schedules.values()) {
      const range = { from: periodOfSchedule(schedule, instant - 1).start, to: instant };
      ranges.set(`${range.from}:${range.to}`, range);
    }
  }
  return [...ranges.values()].sort((a, b) => a.to - b.to || a.from - b.from);
}

/**
 * The usage lines of the plan's priced metered and credits features for the period, and the ledgers as of
 * `periodEnd` (the next close's `openingLedgers`). `openingLedgers`: the ledgers as of `periodStart` (the previous
 * close's, or the owner's snapshot). `featureNames` name the features in descriptions (else their ids).
 */
export function computeUsageCharges(
  input: CloseInput & {
    planId: string;
    currency: string;
    totals: UsageTotals;
    openingLedgers: readonly Ledger[];
    featureNames?: Readonly<Record<string, string>>;
  },
): { lines: UsageChargeLine[]; closingLedgers: Ledger[] } {
  const { definition, periodStart, periodEnd } = input;
  const close = planClose(input);
  const relevant = (ledger: Ledger) => close.schedules.has(ledger.feature);
  let ledgers = input.openingLedgers.filter(relevant);
  const stateAt = (instant: number): BalanceState => ({
    definition,
    counters: countersAt({ schedules: close.schedules, totals: input.totals, instant }),
    ledgers,
    pending: [],
  });
  const opening = new Map<string, ScopeOverage[]>();
  if (close.startInstant !== null) {
    const state = stateAt(close.startInstant);
    for (const { item } of close.priced) {
      opening.set(item.feature, overageByScope(state, item.feature, close.startInstant - 1) ?? []);
    }
  }
  const accrued = new Map<string, Accrued>();
  for (const instant of close.instants) {
    const state = stateAt(instant);
    for (const { item, schedule } of close.priced) {
      const window = periodOfSchedule(schedule, instant - 1);
      // Measured once per window: at its end, or at the period's end when it runs on.
      if (instant !== periodEnd && window.end !== instant) continue;
      const before = window.start < periodStart ? (opening.get(item.feature) ?? []) : [];
      for (const scope of overageByScope(state, item.feature, instant - 1) ?? []) {
        const already = before.find((candidate) => candidate.entity === scope.entity)?.quantity ?? new Decimal(0);
        const key = JSON.stringify([item.feature, scope.entity]);
        const entry = accrued.get(key) ?? {
          item,
          entity: scope.entity,
          quantity: new Decimal(0),
          allowance: 0,
          windows: 0,
        };
        entry.quantity = entry.quantity.plus(Decimal.max(0, scope.quantity.minus(already)));
        entry.allowance = scope.allowance;
        entry.windows += 1;
        accrued.set(key, entry);
      }
    }
    ledgers = ledgersAt({ state, at: instant }).filter(relevant);
  }
  const order = (entry: Accrued) => close.priced.findIndex((priced) => priced.item === entry.item);
  const lines = [...accrued.values()]
    .filter((entry) => entry.quantity.gt(0) || chargesAtZero(entry.item.price))
    .sort((a, b) => order(a) - order(b) || compareEntities(a.entity, b.entity))
    .map((entry) => lineOf({ entry, ...input }));
  return { lines, closingLedgers: ledgers };
}

type PricedItem = FeatureItem & { price: QuantityPrice };

interface ClosePlan {
  priced: { item: PricedItem; schedule: ResetSchedule | null }[];
  /** The counter schedule of every feature the priced balances read: the priced ones and what credits pay for. */
  schedules: Map<string, ResetSchedule | null>;
  /** periodStart, when a priced window started before it (its overage then is billed already). */
  startInstant: number | null;
  /** Ascending, ending with periodEnd: every window end inside the period, where the ledgers roll. */
  instants: number[];
}

interface ScopeOverage {
  entity: string | null;
  quantity: Decimal;
  allowance: number;
}

interface Accrued {
  item: PricedItem;
  entity: string | null;
  quantity: Decimal;
  allowance: number;
  windows: number;
}

function planClose({ definition, plan, periodStart, periodEnd }: CloseInput): ClosePlan {
  if (!(periodEnd > periodStart)) {
    throw new LumenError("internal", `usage charges need periodStart < periodEnd, got [${periodStart}, ${periodEnd})`);
  }
  const scheduleOf = (feature: string) => resetScheduleOf({ definition, catalog: undefined, feature });
  const priced: ClosePlan["priced"] = [];
  const schedules = new Map<string, ResetSchedule | null>();
  for (const item of plan.items) {
    if (item.type !== "feature" || !isPriced(item) || item.included === "unlimited") continue;
    const type = definition.features[item.feature]?.type;
    if (type !== "metered" && type !== "credits") continue;
    priced.push({ item, schedule: scheduleOf(item.feature) });
    schedules.set(item.feature, scheduleOf(item.feature));
    if (type !== "credits") continue;
    for (const paid of Object.keys(definition.creditCosts[item.feature] ?? {})) schedules.set(paid, scheduleOf(paid));
  }
  const instants = new Set<number>([periodEnd]);
  for (const schedule of schedules.values()) {
    for (let window = periodOfSchedule(schedule, periodStart); window.end !== null && window.end < periodEnd; ) {
      instants.add(window.end);
      window = periodOfSchedule(schedule, window.end);
    }
  }
  const startedBefore = priced.some(({ schedule }) => periodOfSchedule(schedule, periodStart).start < periodStart);
  return {
    priced,
    schedules,
    startInstant: startedBefore ? periodStart : null,
    instants: [...instants].sort((a, b) => a - b),
  };
}

/** `percentage` prices need each event's value, which totals do not carry: they bill no usage line here. */
function isPriced(item: FeatureItem): item is PricedItem {
  return item.price !== undefined && item.price.model !== "percentage";
}

/** The counters as the owner holds them at `instant`: each feature's window containing `instant − 1`, to `instant`. */
function countersAt({
  schedules,
  totals,
  instant,
}: {
  schedules: Map<string, ResetSchedule | null>;
  totals: UsageTotals;
  instant: number;
}): UsageCounter[] {
  const counters: UsageCounter[] = [];
  for (const [feature, schedule] of schedules) {
    const window = periodOfSchedule(schedule, instant - 1);
    for (const total of totals(window.start, instant)) {
      if (total.feature !== feature) continue;
      counters.push({ ...total, periodStart: window.start, periodEnd: window.end });
    }
  }
  return counters;
}

/**
 * The billable overage of each scope of a feature at `at`, as `GET /usage` shows it; null when nothing is billed on
 * the feature: not granted, unlimited, hard-limited, or paid for by credits (billed on the credits feature). Per seat
 * without pooling, each seat's overage, less what the customer's grants absorbed (taken off in seat-id order), and
 * any usage of no seat beyond the grants as the customer's.
 */
function overageByScope(state: BalanceState, feature: string, at: number): ScopeOverage[] | null {
  const balance = featureBalance({ state, feature, entity: null, at });
  if (!balance?.burn || balance.entitlement.unlimited || !balance.entitlement.overageAllowed) return null;
  if (balance.fundedBy !== null) return null;
  const { burn } = balance;
  const exact = exactAt(
    Math.max(burn.used, burn.allowance + burn.rolledOver, ...balance.seats.map((s) => s.burn.used)),
  );
  const total = exact(burn.overage);
  if (balance.seats.length === 0) return [{ entity: null, quantity: total, allowance: burn.allowance }];
  const seats = [...balance.seats].sort((a, b) => compareEntities(a.entity, b.entity));
  const seatsTotal = seats.reduce((sum, seat) => sum.plus(exact(seat.burn.overage)), new Decimal(0));
  let absorbed = Decimal.max(0, seatsTotal.minus(total));
  const scopes: ScopeOverage[] = seats.map((seat) => {
    const overage = exact(seat.burn.overage);
    const taken = Decimal.min(overage, absorbed);
    absorbed = absorbed.minus(taken);
    return { entity: seat.entity, quantity: overage.minus(taken), allowance: seat.burn.allowance };
  });
  const unattributed = total.minus(seatsTotal);
  if (unattributed.gt(0)) scopes.push({ entity: null, quantity: unattributed, allowance: 0 });
  return scopes;
}

/**
 * Overages as decimals, without the binary noise of the float math that produced them (100.01 − 100 is
 * 0.010000000000005116): kept to 13 significant digits of `scale`, the largest quantity they were computed from.
 */
function exactAt(scale: number): (value: number) => Decimal {
  const places = Math.max(0, 12 - Math.floor(Math.log10(Math.max(1, Math.abs(scale)))));
  return (value) => new Decimal(value).toDecimalPlaces(places);
}

/** PRODUCT §3: a tiered price's first tier `flatAmount` applies even when nothing is billable. */
function chargesAtZero(price: QuantityPrice): boolean {
  if (price.model !== "graduated" && price.model !== "volume") return false;
  return !new Decimal(price.tiers[0]?.flatAmount ?? 0).isZero();
}

function compareEntities(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  return a < b ? -1 : 1;
}

function lineOf({
  entry,
  planId,
  currency,
  periodStart,
  periodEnd,
  featureNames,
}: {
  entry: Accrued;
  planId: string;
  currency: string;
  periodStart: number;
  periodEnd: number;
  featureNames?: Readonly<Record<string, string>>;
}): UsageChargeLine {
  const { item, entity } = entry;
  const quantity = entry.quantity.toNumber();
  return {
    feature: item.feature,
    entity,
    plan: planId,
    quantity,
    unitAmount: item.price.model === "per_unit" ? new Decimal(item.price.unitAmount) : null,
    amount: roundMoney(ratePrice(item.price, quantity), currency),
    description: describe(entry, featureNames?.[item.feature] ?? item.feature),
    periodStart,
    periodEnd,
  };
}

/** "Premium model messages (user_1): 50 × 0.20 beyond 100 included". */
function describe(entry: Accrued, name: string): string {
  const { item, entity, quantity } = entry;
  // The seats' shared scope of a per-seat feature: usage of no seat, which has no allowance of its own.
  const noSeat = entity === null && item.per === "seat" && !item.pooled;
  const scope = entity !== null ? ` (${entity})` : noSeat ? " (usage of no seat)" : "";
  const per =
    entry.windows > 1 && item.reset !== "billing_period" && item.reset !== "never" ? ` per ${item.reset}` : "";
  const beyond = noSeat ? "" : ` beyond ${exactAt(entry.allowance)(entry.allowance)} included${per}`;
  const price = item.price;
  switch (price.model) {
    case "per_unit":
      return `${name}${scope}: ${quantity} × ${price.unitAmount}${beyond}`;
    case "package": {
      const packages = quantity.dividedBy(price.packageSize).ceil();
      return `${name}${scope}: ${quantity}${beyond}, ${packages} × ${price.unitAmount} per ${price.packageSize}`;
    }
    default:
      return `${name}${scope}: ${quantity}${beyond}, ${price.model} tiers`;
  }
}
