import type { Grant } from "./types";

/** A customer's usage of one feature (one entity, or the pool) in one reset period; ms, half-open [start, end). */
export interface UsagePeriod {
  start: number;
  /** null for `reset: never`. */
  end: number | null;
  used: number;
}

export interface BurnInput {
  /** Oldest first and contiguous (periods without usage included with `used: 0`), up to the one containing `at`. */
  periods: UsagePeriod[];
  /** The period allowance: `included`, or `included × seats` when pooled. */
  allowancePerPeriod: number;
  /** The item's `rollover.max`; null: no rollover. */
  rolloverMax: number | null;
  /** The customer's grants of this feature (or of this entity's pool). */
  grants: readonly Grant[];
  at: number;
  /** Allowance carried into the first period from before it (a ledger's `rolledOver`). */
  openingRollover?: number;
}

/** How one period's usage was charged. */
export interface PeriodBurn {
  start: number;
  end: number | null;
  allowance: number;
  rolledOver: number;
  /** Usage charged (negative net usage counts as 0). */
  used: number;
  allowanceUsed: number;
  grantUsed: Map<string, number>;
  overage: number;
}

/** The state of the period containing `at`. */
export interface BurnResult {
  periodStart: number;
  periodEnd: number | null;
  allowance: number;
  rolledOver: number;
  used: number;
  allowanceRemaining: number;
  /** Per grant active at `at` (created, neither expired nor voided): what is left of it. */
  grantRemaining: Map<string, number>;
  overage: number;
  /** allowanceRemaining + Σ grantRemaining − overage: negative by the overage. */
  balance: number;
}

/** Burn order after the period allowance (PRODUCT §10): priority (lower first), earliest expiry, earliest creation. */
export function compareBurnOrder(a: Grant, b: Grant): number {
  const expiry = (a.expiresAt ?? Number.POSITIVE_INFINITY) - (b.expiresAt ?? Number.POSITIVE_INFINITY);
  return (
    a.priority - b.priority ||
    (Number.isNaN(expiry) ? 0 : expiry) ||
    a.createdAt - b.createdAt ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

/** Whether `grant` can absorb usage at `at`. */
export function isGrantActive(grant: Grant, at: number): boolean {
  return (
    grant.createdAt <= at &&
    (grant.expiresAt === null || at < grant.expiresAt) &&
    (grant.voidedAt === null || at < grant.voidedAt)
  );
}

/**
 * Charges each period's usage, oldest first, to the period allowance (plus the rollover of the previous period's
 * unused allowance, capped at `rolloverMax`), then to the active grants in burn order; the rest is overage.
 *
 * Counters only hold a total per period, not the instant of each unit, so a period's usage is treated as spread
 * evenly over its observed part [start, min(end, at)): the period is cut at every grant creation, expiry and void
 * inside it, and each piece is charged its share, in time order. Charging it all at the period's end would let a
 * grant that expires mid-period absorb nothing; charging it all at the start would let a grant created mid-period
 * absorb usage from before it existed. Shares are rounded so that integer usage stays integer.
 * Overage is not absorbed later by grants created after it, and a voided grant keeps what it already absorbed.
 */
export function simulateBurn({
  periods,
  allowancePerPeriod,
  rolloverMax,
  grants,
  at,
  openingRollover = 0,
}: BurnInput): {
  periods: PeriodBurn[];
  grantLeft: Map<string, number>;
} {
  const ordered = [...grants].sort(compareBurnOrder);
  const grantLeft = new Map(grants.map((grant) => [grant.id, Math.max(0, grant.amount)]));
  const burned: PeriodBurn[] = [];
  let carried = Math.max(0, openingRollover);
  for (const period of periods) {
    if (period.start > at) break;
    const allowance = Math.max(0, allowancePerPeriod);
    let allowanceLeft = allowance + carried;
    const ledger: PeriodBurn = {
      start: period.start,
      end: period.end,
      allowance,
      rolledOver: carried,
      used: Math.max(0, period.used),
      allowanceUsed: 0,
      grantUsed: new Map(),
      overage: 0,
    };
    const observedEnd = Math.min(period.end ?? Number.POSITIVE_INFINITY, at);
    for (const piece of splitUsage({ start: period.start, end: observedEnd, used: ledger.used, grants })) {
      let rest = piece.used;
      const fromAllowance = Math.min(rest, allowanceLeft);
      allowanceLeft -= fromAllowance;
      ledger.allowanceUsed += fromAllowance;
      rest -= fromAllowance;
      for (const grant of ordered) {
        if (rest <= 0) break;
        if (!isGrantActive(grant, piece.start)) continue;
        const take = Math.min(rest, grantLeft.get(grant.id) ?? 0);
        if (take <= 0) continue;
        grantLeft.set(grant.id, (grantLeft.get(grant.id) ?? 0) - take);
        ledger.grantUsed.set(grant.id, (ledger.grantUsed.get(grant.id) ?? 0) + take);
        rest -= take;
      }
      ledger.overage += rest;
    }
    carried = rolloverMax === null ? 0 : Math.max(0, Math.min(allowanceLeft, rolloverMax));
    burned.push(ledger);
  }
  return { periods: burned, grantLeft };
}

/** The usage of the period containing `at`, charged in burn order (see `simulateBurn`). */
export function burnUsage(input: BurnInput): BurnResult {
  const { periods, grantLeft } = simulateBurn(input);
  const current = periods.at(-1);
  if (!current || (current.end !== null && input.at >= current.end)) {
    throw new RangeError("burnUsage: `periods` must end with the period containing `at`");
  }
  const grantRemaining = new Map<string, number>();
  let grantsLeft = 0;
  for (const grant of input.grants) {
    if (!isGrantActive(grant, input.at)) continue;
    const left = grantLeft.get(grant.id) ?? 0;
    grantRemaining.set(grant.id, left);
    grantsLeft += left;
  }
  const allowanceRemaining = current.allowance + current.rolledOver - current.allowanceUsed;
  return {
    periodStart: current.start,
    periodEnd: current.end,
    allowance: current.allowance,
    rolledOver: current.rolledOver,
    used: current.used,
    allowanceRemaining,
    grantRemaining,
    overage: current.overage,
    balance: allowanceRemaining + grantsLeft - current.overage,
  };
}

/** Cuts [start, end) at each grant event inside it and gives each piece its share of `used`. */
function splitUsage({
  start,
  end,
  used,
  grants,
}: {
  start: number;
  end: number;
  used: number;
  grants: readonly Grant[];
}): { start: number; used: number }[] {
  if (!(end > start)) return [{ start, used }];
  const cuts = new Set<number>([start, end]);
  for (const grant of grants) {
    for (const instant of [grant.createdAt, grant.expiresAt, grant.voidedAt]) {
      if (instant !== null && instant > start && instant < end) cuts.add(instant);
    }
  }
  const instants = [...cuts].sort((a, b) => a - b);
  const integer = Number.isInteger(used);
  const usedBefore = (instant: number) => {
    if (instant >= end) return used;
    const share = (used * (instant - start)) / (end - start);
    return integer ? Math.round(share) : share;
  };
  const pieces: { start: number; used: number }[] = [];
  for (let index = 0; index + 1 < instants.length; index++) {
    const from = instants[index]!;
    const to = instants[index + 1]!;
    pieces.push({ start: from, used: usedBefore(to) - usedBefore(from) });
  }
  return pieces;
}
