import type { LumenEnv } from "../events/usage-event";
import type { Interval } from "../period";

export type FeatureType = "boolean" | "metered" | "gauge" | "credits";
export type MeterAggregation = "count" | "sum" | "max" | "unique_count" | "latest";

export interface MeterDefinition {
  event: string;
  aggregation: MeterAggregation;
  property?: string;
  filter?: Record<string, (string | number | boolean)[]>;
}

/** The feature catalog of one environment, as billing writes it to the catalog bucket. */
export interface CatalogDefinition {
  env: LumenEnv;
  /** Increases with every change; readers ignore older versions. */
  version: number;
  features: Record<
    string,
    { type: FeatureType; meter: MeterDefinition | null; creditCosts: Record<string, number> | null }
  >;
}

/** When a feature's counter resets: the period series `periodAt(anchor, interval)`, or never. */
export interface ResetSchedule {
  /** `null` for `never`: one period from the epoch on. */
  interval: Interval | null;
  /** ISO time the series is anchored to (the subscription's billing anchor). */
  anchor: string;
}

/** One feature as granted to a customer by the plans in force (PRODUCT §3), with what the allowance math needs. */
export interface FeatureEntitlement {
  type: FeatureType;
  reset: ResetSchedule;
  /** The allowance per reset period (per seat with `per: "seat"`). */
  included: number;
  unlimited: boolean;
  per: "customer" | "seat";
  /** With `per: "seat"`: one shared allowance of `included × seats` instead of one balance per seat. */
  pooled: boolean;
  /** true when the item has a price: usage past the allowance is allowed and billed. */
  overageAllowed: boolean;
  usageLimit: number | null;
  /** Unused allowance carried into the next period, up to `max`. */
  rollover: { max: number } | null;
  /** End of a `trialDays` feature trial (ms); null: not a trial. */
  trialEndsAt: number | null;
  /** false while the granting subscription does not entitle (for example `past_due` with revocation). */
  subscriptionActive: boolean;
  /** Since when (ms) the plans in force grant it: periods from then on without usage roll their allowance over. */
  since?: number | null;
}

/** A customer's grant of units of one feature (PRODUCT §10). Times are ms since the epoch. */
export interface Grant {
  id: string;
  feature: string;
  amount: number;
  /** Lower burns first. */
  priority: number;
  /** The unused part is gone from this instant on; null: never expires. */
  expiresAt: number | null;
  createdAt: number;
  /** A voided grant stops counting from this instant on, like an expiry. */
  voidedAt: number | null;
}

/** A per-customer exception to the plans in force (PRODUCT §10); with `expiresAt`, a feature trial. */
export interface Override {
  feature: string;
  /** false removes the feature. */
  enabled: boolean;
  /** Replaces the period allowance. */
  included?: number | "unlimited";
  /** The override is ignored from this instant on; null: until deleted. */
  expiresAt: number | null;
}

/**
 * A customer's entitlement definition: written by billing to the definitions bucket on every change to
 * plans in force, subscriptions, seats, grants, overrides and trials; read by aggregators and sidecars.
 */
export interface CustomerDefinition {
  env: LumenEnv;
  customer: string;
  /** Increases with every change; readers ignore older versions. */
  version: number;
  exists: boolean;
  testClock: string | null;
  /** The base subscription's billing period, used for features without a reset of their own. */
  billingPeriod: ResetSchedule | null;
  /**
   * The end (ms) of the newest period whose invoice is final: events timestamped before it are refused (PRODUCT §9).
   * Absent or null: nothing invoiced yet.
   */
  closedThrough?: number | null;
  /** What the plans in force grant, before overrides. */
  features: Record<string, FeatureEntitlement>;
  /** Every grant not yet expired or voided, and those that ended within the last year (their burn still counts). */
  grants: Grant[];
  overrides: Record<string, Override>;
  /** The customer's active entities (PRODUCT §5): entity id → its gauge feature, whose level they make up. */
  entities: Record<string, string>;
  /** Gauge features the plans in force price per unit: their entities are the seats of `per: "seat"` items. */
  seatFeatures: string[];
  /** Per credits feature the customer is entitled to: the cost in credits of one unit of each feature it pays for. */
  creditCosts: Record<string, Record<string, number>>;
}

/** Counters of features the customer has no definition for reset with the calendar month (UTC). */
export const CALENDAR_MONTH: ResetSchedule = { interval: "month", anchor: "1970-01-01T00:00:00.000Z" };
