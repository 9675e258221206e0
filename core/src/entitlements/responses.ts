import { isoTime } from "../iso-time";
import type { FeatureType } from "../pipeline/definitions";
import {
  type BalanceState,
  balanceWithCredits,
  type FeatureBalance,
  featureBalance,
  resolvedEntitlement,
} from "./balance";
import type { CheckResult, Reason } from "./types";

/** The body of a check (PRODUCT §9), as the billing API, the sidecar and the SDK's embedded mode answer it. */
export interface CheckResponse {
  allowed: boolean;
  customer: string;
  feature: string;
  entity: string | null;
  type: FeatureType | null;
  unlimited: boolean;
  included: number | null;
  used: number | null;
  balance: number | null;
  overageAllowed: boolean;
  usageLimit: number | null;
  periodStart: string | null;
  periodEnd: string | null;
  resetsAt: string | null;
  reason: Reason | null;
  /** The time of the newest event the answer includes. */
  asOf: string;
  /** Sidecar only: true when it answers from a cache it could not refresh (cut off from NATS). */
  stale?: boolean;
}

export function checkResponseOf({
  result,
  customer,
  feature,
  entity,
  asOf,
}: {
  result: CheckResult;
  customer: string;
  feature: string;
  entity: string | null;
  asOf: number;
}): CheckResponse {
  return {
    allowed: result.allowed,
    customer,
    feature,
    entity,
    type: result.type,
    unlimited: result.unlimited,
    included: result.included,
    used: result.used,
    balance: result.balance,
    overageAllowed: result.overageAllowed,
    usageLimit: result.usageLimit,
    periodStart: isoOrNull(result.periodStart),
    periodEnd: isoOrNull(result.periodEnd),
    resetsAt: isoOrNull(result.resetsAt),
    reason: result.reason,
    asOf: isoTime(asOf),
  };
}

/** One feature of `GET /v1/customers/:id/usage` (PRODUCT §9). */
export interface FeatureUsage {
  feature: string;
  type: FeatureType;
  granted: boolean;
  unlimited: boolean;
  included: number | null;
  used: number;
  balance: number | null;
  overage: number;
  usageLimit: number | null;
  periodStart: string | null;
  periodEnd: string | null;
  resetsAt: string | null;
  entities: { entity: string; included: number; used: number; balance: number }[];
}

/**
 * The customer's usage of every feature it is granted or has counters of, at `at`: the same balances a check
 * computes (allowance with rollover, grants, credits, seats, pending usage).
 */
export function summarizeUsage({ state, at }: { state: BalanceState; at: number }): FeatureUsage[] {
  const definition = state.definition;
  const features = new Set<string>(state.counters.map((counter) => counter.feature));
  for (const feature of Object.keys(definition?.features ?? {})) features.add(feature);
  for (const [credits, costs] of Object.entries(definition?.creditCosts ?? {})) {
    if (resolvedEntitlement(definition, credits, at) === null) continue;
    features.add(credits);
    for (const feature of Object.keys(costs)) features.add(feature);
  }
  for (const feature of Object.keys(definition?.overrides ?? {})) features.add(feature);
  for (const grant of definition?.grants ?? []) features.add(grant.feature);
  const summary: FeatureUsage[] = [];
  for (const feature of [...features].sort()) {
    const balance = featureBalance({ state, feature, entity: null, at });
    if (balance === null) {
      const counter = state.counters.find((candidate) => candidate.feature === feature && candidate.entity === null);
      // Counters of features the customer has no grant of: shown as used, granted false.
      if (!counter) continue;
      summary.push({
        feature,
        type: definition?.features[feature]?.type ?? "metered",
        granted: false,
        unlimited: false,
        included: null,
        used: counter.value,
        balance: null,
        overage: 0,
        usageLimit: null,
        periodStart: isoOrNull(counter.periodStart),
        periodEnd: isoOrNull(counter.periodEnd),
        resetsAt: isoOrNull(counter.periodEnd),
        entities: [],
      });
      continue;
    }
    const { entitlement, burn } = balance;
    // As a check answers it: credits that pay for the feature add to its balance, unlimited credits make it unlimited.
    const unlimited = entitlement.unlimited || (balance.fundedBy !== null && balance.fundedBy.burn === null);
    const total = unlimited ? null : balanceWithCredits(balance);
    summary.push({
      feature,
      type: entitlement.type,
      granted: true,
      unlimited,
      included: burn && !unlimited ? burn.allowance : null,
      used: burn?.used ?? 0,
      balance: total,
      overage: total !== null && entitlement.overageAllowed ? billedOverage(balance, total) : 0,
      usageLimit: entitlement.usageLimit,
      periodStart: isoOrNull(burn?.periodStart ?? null),
      periodEnd: isoOrNull(burn?.periodEnd ?? null),
      resetsAt: isoOrNull(burn?.periodEnd ?? null),
      entities: !unlimited
        ? balance.seats.map((seat) => ({
            entity: seat.entity,
            included: seat.burn.allowance,
            used: seat.burn.used,
            balance: seat.burn.balance,
          }))
        : [],
    });
  }
  return summary;
}

/**
 * The usage beyond the allowance and grants (PRODUCT §3: counted per seat without pooling, so not the negative of a
 * customer-wide balance that nets one seat's unused allowance against another's overage), or, when credits pay for
 * the feature, beyond the credits too.
 */
function billedOverage(balance: FeatureBalance, total: number): number {
  if (balance.fundedBy?.burn) return Math.max(0, -total);
  return balance.burn?.overage ?? 0;
}

function isoOrNull(ms: number | null): string | null {
  return ms === null ? null : isoTime(ms);
}
