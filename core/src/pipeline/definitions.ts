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

/** One feature as granted to a customer by the plans in force (allowance math comes with issue 3). */
export interface FeatureEntitlement {
  type: FeatureType;
  reset: ResetSchedule;
  included: number;
  unlimited: boolean;
  per: "customer" | "seat";
  overageAllowed: boolean;
  usageLimit: number | null;
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
  features: Record<string, FeatureEntitlement>;
}

/** Counters of features the customer has no definition for reset with the calendar month (UTC). */
export const CALENDAR_MONTH: ResetSchedule = { interval: "month", anchor: "1970-01-01T00:00:00.000Z" };
