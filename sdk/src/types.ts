import type { Invoice } from "./admin-invoices";
/**
 * Request and response shapes of the billing API, written by hand from its schemas (billing/src/**\/schemas.ts
 * and the serializers). Field names are camelCase as on the wire; times are ISO 8601 strings in UTC; money
 * amounts and rates are decimal strings ("20.00"), never floats; quantities are numbers (PRODUCT §1).
 */

/** An ISO 8601 time as the API answers it: "2026-01-01T00:00:00.000Z". */
export type Timestamp = string;
/** A time sent to the API: an ISO 8601 string with a timezone, or a Date (sent as its ISO string). */
export type TimestampInput = string | Date;
/** A decimal string: "20.00", "0.0025". */
export type DecimalString = string;
export type Metadata = Record<string, string>;
export type JsonObject = { [key: string]: unknown };

export type Deleted = { id: string; deleted: true };

// Features (PRODUCT §2) -----------------------------------------------------------------------------------------
export type FeatureType = "boolean" | "metered" | "gauge" | "credits";
export type MeterAggregation = "count" | "sum" | "max" | "unique_count" | "latest";

/** Which usage events a metered feature counts. */
export interface Meter {
  event: string;
  aggregation: MeterAggregation;
  /** The event property `sum`, `max`, `latest` and `unique_count` read; none for `count`. */
  property?: string;
  /** Keeps events whose property equals one of the listed values. */
  filter?: Record<string, (string | number | boolean)[]>;
}

export interface CreateFeatureParams {
  id: string;
  name: string;
  type: FeatureType;
  meter?: Meter;
  /** Credits features only: credits drawn per unit of each metered feature. */
  creditCosts?: Record<string, number>;
  unit?: string;
  metadata?: Metadata;
}

/** `id` and `type` never change; `metadata` replaces the whole map. */
export type UpdateFeatureParams = Partial<Omit<CreateFeatureParams, "id" | "type">>;

export interface Feature {
  id: string;
  name: string;
  type: FeatureType;
  meter: Meter | null;
  creditCosts: Record<string, number> | null;
  unit: string | null;
  metadata: Metadata;
  archived: boolean;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

// Prices and plans (PRODUCT §3) ---------------------------------------------------------------------------------
export type PlanInterval = "week" | "month" | "quarter" | "year";
export type ResetInterval = "day" | "week" | "month" | "quarter" | "year" | "never" | "billing_period";

export interface PriceTier {
  /** Upper bound of the tier; null for the last one. */
  upTo: number | null;
  unitAmount?: DecimalString;
  flatAmount?: DecimalString;
}

export type Price =
  | { model: "per_unit"; unitAmount: DecimalString }
  | { model: "package"; unitAmount: DecimalString; packageSize: number }
  | { model: "graduated"; tiers: PriceTier[] }
  | { model: "volume"; tiers: PriceTier[] }
  | {
      model: "percentage";
      /** Percent, 0–100. */
      rate: DecimalString;
      fixedAmount?: DecimalString;
      minPerEvent?: DecimalString;
      maxPerEvent?: DecimalString;
    };

export type PriceModel = Price["model"];

/** A recurring fee, billed in advance each interval. */
export interface FixedItem {
  type: "fixed";
  amount: DecimalString;
  description?: string;
  billingInterval?: PlanInterval;
}

/** Billed once, on the first invoice (a setup fee). */
export interface OneTimeItem {
  type: "one_time";
  amount: DecimalString;
  description?: string;
}

/** A feature item as sent: omitted fields take their defaults. */
export interface FeatureItemParams {
  type: "feature";
  feature: string;
  /** Allowance per reset period (metered), free units (gauge) or credits per period; default 0. */
  included?: number | "unlimited";
  /** Default `billing_period`. */
  reset?: ResetInterval;
  /** Default `customer`. */
  per?: "customer" | "seat";
  /** With `per: "seat"`: one shared allowance of `included × seats`. */
  pooled?: boolean;
  /** How usage beyond `included` is charged; without it the allowance is a hard limit. */
  price?: Price;
  usageLimit?: number;
  rollover?: { max: number };
  trialDays?: number;
  billingInterval?: PlanInterval;
}

/** A feature item as the API answers it: defaults applied. */
export interface FeatureItem extends FeatureItemParams {
  included: number | "unlimited";
  reset: ResetInterval;
  per: "customer" | "seat";
  pooled: boolean;
}

export type PlanItemParams = FixedItem | OneTimeItem | FeatureItemParams;
export type PlanItem = FixedItem | OneTimeItem | FeatureItem;

/** A plan version's definition: the body of `PUT /v1/plans/:id`. */
export interface PlanDefinitionParams {
  name: string;
  description?: string;
  /** ISO 4217; a plan's currency never changes. */
  currency: string;
  /** Default `month`. */
  interval?: PlanInterval;
  /** Default `main`: a customer holds one non-add-on plan per group. */
  group?: string;
  /** Attached to every new customer (one default per group). */
  default?: boolean;
  addOn?: boolean;
  trialDays?: number;
  items?: PlanItemParams[];
  metadata?: Metadata;
}

export interface CreatePlanParams extends PlanDefinitionParams {
  id: string;
}

/** One version of a plan (the latest, unless asked for another). */
export interface Plan {
  id: string;
  version: number;
  name: string;
  description?: string;
  currency: string;
  interval: PlanInterval;
  group: string;
  default: boolean;
  addOn: boolean;
  trialDays: number;
  items: PlanItem[];
  metadata: Metadata;
  archived: boolean;
  latestVersion: number;
  createdAt: Timestamp;
  versionCreatedAt: Timestamp;
}

/** The answer of a PUT: `created` is false when the definition was unchanged (no new version). */
export interface PlanUpdateResult extends Plan {
  created: boolean;
}

export interface MigratePlanParams {
  fromVersion: number;
  toVersion: number;
  /** Default `next_period`. */
  when?: "next_period" | "now";
}

export interface MigratePlanResult {
  migrated: number;
}

// Customers and entities (PRODUCT §4, §5) -----------------------------------------------------------------------
export interface Address {
  /** ISO 3166-1 alpha-2: "DE". */
  country?: string | null;
  state?: string | null;
  postalCode?: string | null;
  city?: string | null;
  line1?: string | null;
  line2?: string | null;
}

/** A tax id as sent; an `eu_vat` value is normalized ("de 123.456.789" → "DE123456789") and format-checked. */
export interface TaxIdParams {
  /** "eu_vat", … */
  type: string;
  value: string;
}

/** What the EU's registry (VIES) said of an `eu_vat` id: "unverified" makes the customer a consumer (PRODUCT §8). */
export type TaxIdVerificationStatus = "verified" | "unverified" | "unavailable";

/** A tax id as the API answers it. */
export interface TaxId extends TaxIdParams {
  /** Set when the environment verifies tax ids (`verifyTaxIds`) and a registry was asked; absent or null otherwise. */
  verification?: { status: TaxIdVerificationStatus; checkedAt: Timestamp } | null;
}

export type TaxExempt = "none" | "exempt" | "reverse";

export interface UpdateCustomerParams {
  name?: string | null;
  email?: string | null;
  currency?: string;
  address?: Address | null;
  taxIds?: TaxIdParams[];
  taxExempt?: TaxExempt;
  metadata?: Metadata;
}

export interface CreateCustomerParams extends UpdateCustomerParams {
  id: string;
  /** A test clock's id: the customer lives in its time (test keys only). */
  testClock?: string;
}

export interface Customer {
  id: string;
  name: string | null;
  email: string | null;
  /** Set by the first plan attached when not given. */
  currency: string | null;
  address: Address | null;
  taxIds: TaxId[];
  taxExempt: TaxExempt;
  testClock: string | null;
  metadata: Metadata;
  version: number;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** A feature the customer is entitled to, summed over the plans in force. */
export interface Entitlement {
  feature: string;
  type: FeatureType;
  included: number;
  unlimited: boolean;
  reset: ResetInterval | null;
  per: "customer" | "seat";
  /** With `per: "seat"`: one shared allowance of `included × seats`. */
  pooled: boolean;
  overageAllowed: boolean;
  usageLimit: number | null;
  /** Unused allowance carried into the next period, up to `max`. */
  rollover: { max: number } | null;
  /** Plans that grant it; empty when granted only through a credits feature. */
  plans: string[];
  trialEndsAt: Timestamp | null;
  viaCredits: string | null;
}

/** `GET /v1/customers/:id`: the customer, its live subscriptions and what it is entitled to now. */
export interface CustomerDetails extends Customer {
  subscriptions: Subscription[];
  entitlements: Entitlement[];
}

export interface HistoryEntry {
  /** The cursor of `history({ startingAfter })`. */
  id: number;
  at: Timestamp;
  /** `subscription.created`, `seat.added`, `customer.updated`, … */
  type: string;
  /** The id of the API key (or job) that made the change. */
  actor: string;
  object: { type: string; id: string };
  before: JsonObject | null;
  after: JsonObject | null;
}

export interface EntitlementsAt {
  customer: string;
  at: Timestamp;
  plans: { subscription: string; plan: string; version: number; status: SubscriptionStatus }[];
  features: Entitlement[];
}

export interface CreateEntityParams {
  id: string;
  /** A gauge feature, such as `seats`. */
  feature: string;
  name?: string | null;
  metadata?: Metadata;
}

export interface Entity {
  id: string;
  customer: string;
  feature: string;
  name: string | null;
  metadata: Metadata;
  createdAt: Timestamp;
  deletedAt: Timestamp | null;
}

/** An entity just created or deleted, with the customer's new level of its gauge feature. */
export interface EntityChange extends Entity {
  level: number;
  /** A seat added mid-period is charged for the rest of the period at once (PRODUCT §7); null otherwise. */
  invoice: Invoice | null;
}

// Grants and overrides (PRODUCT §10) ----------------------------------------------------------------------------
export interface CreateGrantParams {
  /** A metered, gauge or credits feature (a boolean feature has no units). */
  feature: string;
  /** Units (credits for a credits feature), > 0; fractions allowed. */
  amount: number;
  /** After the customer's current time; the unused part is gone from then on. Default: never expires. */
  expiresAt?: TimestampInput | null;
  /** Lower burns first; default 0. */
  priority?: number;
  reason?: string | null;
}

/** Units of one feature given to a customer, burned after the period allowance (PRODUCT §10). */
export interface Grant {
  /** `grt_…` */
  id: string;
  customer: string;
  feature: string;
  amount: number;
  priority: number;
  expiresAt: Timestamp | null;
  reason: string | null;
  /** The customer's time when it was made (its test clock's, if any). */
  createdAt: Timestamp;
  /** Set by `grants.void`: it stops counting then, like an expiry. */
  voidedAt: Timestamp | null;
}

export interface SetOverrideParams {
  /** false removes the feature from the customer, whatever its plans grant. */
  enabled: boolean;
  /** Replaces the plans' allowance per period; omitted or null keeps it. */
  included?: number | "unlimited" | null;
  /** After the customer's current time: a feature trial for one customer. Default: until deleted. */
  expiresAt?: TimestampInput | null;
}

/** A per-customer exception to the plans in force, one per customer and feature (PRODUCT §10). */
export interface Override {
  customer: string;
  feature: string;
  enabled: boolean;
  included: number | "unlimited" | null;
  expiresAt: Timestamp | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface DeletedOverride {
  customer: string;
  feature: string;
  deleted: true;
}

/** `lumen.admin.check`: the billing API's authoritative check (PRODUCT §9). */
export interface AdminCheckParams {
  customer: string;
  feature: string;
  /** A seat (or other entity) of the customer, for per-seat allowances. */
  entity?: string | null;
  /** Units wanted, > 0; default 1. */
  quantity?: number;
  /** Record `quantity` when allowed, atomically at the owner (a strict consume); default false. */
  consume?: boolean;
}

// Subscriptions and test clocks (PRODUCT §6, §12) ---------------------------------------------------------------
/**
 * `pending`: waiting for its checkout to collect a payment method (it entitles to nothing yet); `past_due`: a charge
 * failed and the dunning retries it (PRODUCT §13).
 */
export type SubscriptionStatus = "trialing" | "active" | "past_due" | "canceled" | "scheduled" | "pending";
export type ProrationBehavior = "always_invoice" | "create_prorations" | "none";

export interface Subscription {
  id: string;
  customer: string;
  /** The plan's id. */
  plan: string;
  planVersion: number;
  group: string | null;
  addOn: boolean;
  status: SubscriptionStatus;
  billingAnchor: Timestamp;
  currentPeriodStart: Timestamp;
  currentPeriodEnd: Timestamp;
  trialStart: Timestamp | null;
  trialEnd: Timestamp | null;
  cancelAtPeriodEnd: boolean;
  canceledAt: Timestamp | null;
  endedAt: Timestamp | null;
  scheduledChange: { plan: string; planVersion: number; at: Timestamp } | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

export interface AttachParams {
  customer: string;
  plan: string;
  /** Default: the latest version. */
  version?: number;
  /** False skips the plan's trial. */
  trial?: boolean;
  prorationBehavior?: ProrationBehavior;
  /** Overrides "upgrades now, downgrades at period end". */
  when?: "now" | "period_end";
  billingAnchor?: TimestampInput;
  /**
   * Where the hosted checkout sends the customer back when a payment method must be collected first; default the
   * payment settings' `checkoutSuccessUrl`.
   */
  successUrl?: string;
  /** Where a customer who leaves the checkout goes; default the settings' `checkoutCancelUrl`, then `successUrl`. */
  cancelUrl?: string;
}

export interface AttachResult {
  subscription: Subscription;
  /** The invoice the attach issued: a new subscription's first period, or the proration of a change made now. */
  invoice: Invoice | null;
  /**
   * Where the customer completes checkout when the payment provider needs a payment method first: a new
   * subscription is `pending` (and `invoice` null) until the provider confirms, a change waits for it.
   */
  checkoutUrl: string | null;
}

export interface CancelSubscriptionParams {
  /** Default `period_end`. */
  when?: "period_end" | "now";
  prorationBehavior?: ProrationBehavior;
}

export interface CreateTestClockParams {
  frozenTime: TimestampInput;
  name?: string;
}

export interface TestClock {
  id: string;
  name: string | null;
  frozenTime: Timestamp;
  status: "ready";
  createdAt: Timestamp;
}

export interface AdvanceTestClockResult extends TestClock {
  /** Pieces of due work (renewals, trial ends, …) run by this advance. */
  jobsRun: number;
}

// Audit log (PRODUCT §11) ---------------------------------------------------------------------------------------
export interface AuditEntry {
  /** Position in the environment's chain; the cursor of `auditLog.list({ startingAfter })`. */
  seq: number;
  env: "test" | "live";
  at: Timestamp;
  keyId: string;
  method: string;
  path: string;
  status: number;
  requestId: string;
  /** SHA-256 of the canonical request body; null without a body. */
  bodyHash: string | null;
  prevHash: string;
  hash: string;
}

export interface AuditVerification {
  valid: boolean;
  checked: number;
  /** `seq` of the first entry whose hash or link does not match. */
  brokenAt: number | null;
}
