import type { Grant, ResetSchedule } from "../pipeline/definitions";
import type { Ledger } from "../pipeline/messages";
import { type CounterPeriod, periodOfSchedule } from "../usage/counter-period";
import { type BurnResult, isGrantActive, simulateBurn } from "./burn";

/**
 * A balance scope: one allowance and the usage charged to it (PRODUCT §3, §10). A customer-wide feature or a pooled
 * per-seat one is one scope; a per-seat feature without `pooled` has one scope per seat plus the seats' shared scope,
 * where the customer's grants absorb what the seats use beyond their own allowances.
 */
export interface Scope {
  feature: string;
  entity: string | null;
  /** null: never resets (gauges, `reset: never`). */
  schedule: ResetSchedule | null;
  allowance: number;
  rolloverMax: number | null;
  grants: readonly Grant[];
  /** The usage the counters know, in the period they know it for (the period of their newest event). */
  known: { period: CounterPeriod; used: number } | null;
  /** What the owner kept at the start of some period: the newest ledger of this scope. */
  ledger: Ledger | undefined;
  /**
   * Since when the feature is granted (ms), when known: the periods from then on without a counter or a ledger had no
   * usage, so their allowance rolls over too. null: no history before the first counter.
   */
  since?: number | null;
}

/** Enough to reach a stable rollover from any start; far gaps beyond it change nothing more. */
const MAX_ROLLED_PERIODS = 1000;

/**
 * The scope's ledger at the start of the period containing `at`: the kept ledger when it is of that period; else
 * the kept ledger (or, with none, a zero one at the grant's start or at the known period) rolled forward through each
 * period in between, charging the known usage to the known period and nothing to the others. With neither, a zero
 * ledger: no history.
 */
export function ledgerAt(scope: Scope, at: number): Ledger {
  const target = periodOfSchedule(scope.schedule, at);
  const { ledger, known } = scope;
  if (ledger && ledger.periodStart === target.start) return ledger;
  let current: Ledger;
  let period: CounterPeriod;
  if (ledger && ledger.periodStart < target.start) {
    current = ledger;
    period = periodOfSchedule(scope.schedule, ledger.periodStart);
  } else if (scope.rolloverMax !== null && scope.since != null && scope.since < (known?.period.start ?? target.start)) {
    // Granted before anything was counted: the periods in between were used by nobody and roll over in full.
    period = periodOfSchedule(scope.schedule, scope.since);
    current = zeroLedger(scope, period.start);
    if (period.start >= target.start) return zeroLedger(scope, target.start);
  } else if (known && known.period.start < target.start) {
    current = zeroLedger(scope, known.period.start);
    period = known.period;
  } else {
    return zeroLedger(scope, target.start);
  }
  let stableSince = 0;
  for (let step = 0; step < MAX_ROLLED_PERIODS && period.start < target.start && period.end !== null; step++) {
    const used = known && known.period.start === period.start ? known.used : 0;
    const next = rollLedger(scope, current, period, used);
    stableSince = used === 0 && sameLedger(next, current) ? stableSince + 1 : 0;
    current = next;
    period = periodOfSchedule(scope.schedule, period.end);
    if (stableSince >= 2) {
      // Empty periods change nothing once the rollover is capped: skip the rest of a long gap, up to the known
      // usage when it lies ahead (else it would never be charged).
      const ahead = known !== null && known.period.start >= period.start && known.period.start < target.start;
      if (!ahead) break;
      period = known.period;
      stableSince = 0;
    }
  }
  return { ...current, periodStart: target.start };
}

/** The scope's burn in the period containing `at`, with `pending` more usage (not yet in the counters) charged now. */
export function burnScope(scope: Scope, at: number, pending: number): BurnResult {
  const period = periodOfSchedule(scope.schedule, at);
  const opening = ledgerAt(scope, at);
  const counted = scope.known && scope.known.period.start === period.start ? scope.known.used : 0;
  const grants = grantsLeft(scope.grants, opening);
  // A period that never ends (gauges, `reset: never`) starts at the epoch: spreading its usage from there would charge
  // it all before any grant existed. A gauge's level is a state of now, and usage of unknown time is charged now.
  const charged = period.end === null ? { start: at, end: null } : period;
  const { periods, grantLeft } = simulateBurn({
    periods: [{ start: charged.start, end: charged.end, used: counted + pending }],
    allowancePerPeriod: scope.allowance,
    rolloverMax: scope.rolloverMax,
    grants,
    at,
    openingRollover: opening.rolledOver,
  });
  const burned = periods[0]!;
  const grantRemaining = new Map<string, number>();
  let grantsTotal = 0;
  for (const grant of grants) {
    if (!isGrantActive(grant, at)) continue;
    const left = grantLeft.get(grant.id) ?? 0;
    grantRemaining.set(grant.id, left);
    grantsTotal += left;
  }
  const allowanceRemaining = burned.allowance + burned.rolledOver - burned.allowanceUsed;
  return {
    periodStart: period.start,
    periodEnd: period.end,
    allowance: burned.allowance,
    rolledOver: burned.rolledOver,
    // Net usage: a correction below zero shows as such, though it charges nothing.
    used: counted + pending,
    allowanceRemaining,
    grantRemaining,
    overage: burned.overage,
    balance: allowanceRemaining + grantsTotal - burned.overage,
  };
}

/** The ledger at the start of the period after `period`, having charged `used` to it. */
function rollLedger(scope: Scope, opening: Ledger, period: CounterPeriod, used: number): Ledger {
  const { periods } = simulateBurn({
    periods: [{ start: period.start, end: period.end, used }],
    allowancePerPeriod: scope.allowance,
    rolloverMax: scope.rolloverMax,
    grants: grantsLeft(scope.grants, opening),
    at: period.end ?? period.start,
    openingRollover: opening.rolledOver,
  });
  const burned = periods[0]!;
  const grantsUsed = { ...opening.grantsUsed };
  for (const [id, used] of burned.grantUsed) grantsUsed[id] = (grantsUsed[id] ?? 0) + used;
  const unused = burned.allowance + burned.rolledOver - burned.allowanceUsed;
  return {
    feature: scope.feature,
    entity: scope.entity,
    periodStart: period.end ?? period.start,
    rolledOver: scope.rolloverMax === null ? 0 : Math.max(0, Math.min(unused, scope.rolloverMax)),
    grantsUsed,
  };
}

/** The grants with what earlier periods used of them taken off. */
function grantsLeft(grants: readonly Grant[], ledger: Ledger): Grant[] {
  return grants.map((grant) => ({ ...grant, amount: Math.max(0, grant.amount - (ledger.grantsUsed[grant.id] ?? 0)) }));
}

function zeroLedger(scope: Scope, periodStart: number): Ledger {
  return { feature: scope.feature, entity: scope.entity, periodStart, rolledOver: 0, grantsUsed: {} };
}

function sameLedger(a: Ledger, b: Ledger): boolean {
  if (a.rolledOver !== b.rolledOver) return false;
  const keys = Object.keys(a.grantsUsed);
  if (keys.length !== Object.keys(b.grantsUsed).length) return false;
  return keys.every((key) => a.grantsUsed[key] === b.grantsUsed[key]);
}
