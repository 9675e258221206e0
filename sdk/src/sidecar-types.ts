import type { FeatureUsage } from "./admin-usage";
/**
 * Shapes of the sidecar's answers and of the SDK calls that reach it (PRODUCT §9, §14). Field names are camelCase
 * as on the wire; times are ISO 8601 strings in UTC; quantities are numbers.
 */

/** Why a check said no (PRODUCT §9). */
export type CheckReason =
  | "customer_not_found"
  | "no_entitlement"
  | "limit_reached"
  | "usage_limit_reached"
  | "trial_ended"
  | "subscription_inactive";

/**
 * The SDK's own reason, never sent by the sidecar: the sidecar could not be reached (or could not decide) after
 * the retries, and `allowed` is what `onSidecarUnavailable` says. Set whether that policy allowed or denied.
 */
export type FallbackReason = "sidecar_unavailable";

/** Whether a check, consume or reservation names the customer, a seat of it, or both. */
export interface Subject {
  /**
   * A customer id, or the id of an entity (seat) whose customer Lumen resolves. With `customerId` (or `customer`)
   * also given, `userId` is taken as the entity.
   */
  userId?: string;
  /** The customer; disambiguates `userId`. */
  customerId?: string;
  /** Same as `customerId` (the name track events and the HTTP API use). */
  customer?: string;
}

/** `isFeatureEntitled`, `check`: give `userId` or `customerId` (or both). */
export interface CheckParams extends Subject {
  feature: string;
  /** A seat or other entity of the customer; by default `userId` when it names a seat. */
  entity?: string;
  /** Units wanted; default 1. */
  quantity?: number;
}

/** `consume`: checks and records `quantity` atomically at the owner (strict). */
export interface ConsumeParams extends CheckParams {
  /**
   * Makes the recorded usage event safe to send again: a repeat of the key is never counted twice. Default: a
   * fresh key per call, kept across its retries.
   */
  idempotencyKey?: string;
}

export interface ReserveParams extends Subject {
  feature: string;
  entity?: string;
  /** Units held against the balance until commit, release or expiry. */
  quantity: number;
  /** Default 300 s. */
  ttlSeconds?: number;
}

/** The body of a check, a consume and the `check` of a reservation (PRODUCT §9). */
export interface CheckResponse {
  allowed: boolean;
  customer: string;
  feature: string;
  entity: string | null;
  type: "boolean" | "metered" | "gauge" | "credits" | null;
  unlimited: boolean;
  included: number | null;
  used: number | null;
  balance: number | null;
  overageAllowed: boolean;
  usageLimit: number | null;
  periodStart: string | null;
  periodEnd: string | null;
  resetsAt: string | null;
  /** Null when allowed; `sidecar_unavailable` (SDK-made) on a fallback answer, allowed or not. */
  reason: CheckReason | FallbackReason | null;
  /** The time of the newest event the answer includes (on a fallback answer: when the SDK made it). */
  asOf: string;
  /** The sidecar answered from a cache it could not refresh (cut off from NATS). */
  stale?: boolean;
  /**
   * True only on an answer the SDK made up because the sidecar could not be reached: `allowed` is then the
   * `onSidecarUnavailable` policy, `reason` is `sidecar_unavailable`, and the numbers are null.
   */
  fallback?: true;
}

/** What to answer when the sidecar cannot be reached: deny (fail closed, the default) or allow (fail open). */
export type SidecarUnavailablePolicy = "deny" | "allow";

/** Per-call options of the sidecar methods. */
export interface SidecarCallOptions {
  /** Overrides the client's `sidecarTimeoutMs` for this call (each attempt). */
  timeoutMs?: number;
  /** Overrides the client's `sidecarMaxRetries` for this call. */
  maxRetries?: number;
  /** Cancels the call and its pending retries; the call rejects with the signal's reason. */
  signal?: AbortSignal;
  /** `check`, `isFeatureEntitled`, `consume`: overrides the client's `onSidecarUnavailable` for this call. */
  onSidecarUnavailable?: SidecarUnavailablePolicy;
}

export type ReservationStatus = "held" | "committed" | "released" | "expired";

/** `reserve`: `allowed` false holds nothing (`expiresAt` null); `check` is the balance after the hold. */
export interface Reservation {
  id: string;
  allowed: boolean;
  expiresAt: string | null;
  customer: string;
  feature: string;
  entity: string | null;
  quantity: number;
  check: CheckResponse;
}

export interface CommittedReservation {
  id: string;
  status: "committed";
  check: CheckResponse;
}

export interface ReleasedReservation {
  id: string;
  /** `released`; `expired` when the TTL had already freed it. */
  status: ReservationStatus;
}

/** One feature of `getUsage`: the same shape as the billing API's usage (PRODUCT §9), from the sidecar's cache. */
export type SidecarFeatureUsage = FeatureUsage;

export interface SidecarUsage {
  customer: string;
  features: SidecarFeatureUsage[];
  asOf?: string;
  stale?: boolean;
}

/** One usage event for `lumen.track` (PRODUCT §9). Give `feature` or `event`. */
export interface TrackEvent {
  customer: string;
  feature?: string;
  event?: string;
  entity?: string;
  /** Default 1; negative values correct earlier usage. */
  value?: number;
  properties?: Record<string, string | number | boolean | null>;
  /** Event time; default the time the sidecar receives it (the customer's test-clock time when it has one). */
  timestamp?: string | Date;
  /** Default: a fresh key given when the event is queued, so that resends never count twice. */
  idempotencyKey?: string;
}

/** Why queued events will never reach the sidecar. */
export type DropReason =
  /** The queue held `maxQueue` events: the oldest made room for the newest. */
  | "queue_full"
  /** The sidecar refused the event (a 4xx, or listed in `rejected`): resending would not help. */
  | "rejected"
  /** Still failing after `maxRetries` attempts. */
  | "gave_up"
  /** `track` after `close()`. */
  | "closed";

export interface TrackDrop {
  events: TrackEvent[];
  reason: DropReason;
  /** What the sidecar said, or why it could not be reached; none for `queue_full` and `closed`. */
  error?: Error;
}

export interface TrackStats {
  /** Waiting to be sent. */
  queued: number;
  /** In the batch being sent now. */
  sending: number;
  /** Accepted by the sidecar. */
  sent: number;
  /** Lost, for any reason (see `onDrop`). */
  dropped: number;
}
