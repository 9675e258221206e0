import type { CheckResult } from "../entitlements/types";
import type { LumenEnv } from "../events/usage-event";

/** One counter of a customer's usage in the period that contains its newest event. */
export interface UsageCounter {
  feature: string;
  entity: string | null;
  /** ms since the epoch; half-open [periodStart, periodEnd). `periodEnd` is null for `never`. */
  periodStart: number;
  periodEnd: number | null;
  /** count/sum: the total; max: the largest; latest: the newest value; unique_count: distinct values. */
  value: number;
}

/** What the owner publishes for a customer after each flush, and keeps in the balances bucket. */
export interface UsageSnapshot {
  env: LumenEnv;
  customer: string;
  partition: number;
  /** Stream sequence of the newest applied batch of the partition: newer snapshots have higher ones. */
  seq: number;
  /** Event time (ms) of the newest event included. */
  asOf: number;
  counters: UsageCounter[];
  /**
   * The burn state at the start of each balance scope's current period (rollover carried in, what each grant had
   * absorbed before), kept by the owner when a counter moves to a new period. Absent in snapshots of older owners.
   */
  ledgers?: Ledger[];
}

/** A balance scope's state at the start of its period: see `ledgerAt` in core/entitlements. */
export interface Ledger {
  feature: string;
  /** The seat of a per-seat feature; null for the customer's (or the seats' shared) scope. */
  entity: string | null;
  periodStart: number;
  rolledOver: number;
  /** Per grant id: the units it absorbed in earlier periods. */
  grantsUsed: Record<string, number>;
}

/** Per partition, in the watermarks bucket. */
export interface PartitionWatermark {
  partition: number;
  owner: string;
  /** Stream sequence applied (written to ClickHouse and to the counters). */
  seq: number;
  /** Wall-clock time (ms) up to which every event received is applied. */
  watermark: number;
}

export interface QueryError {
  error: { code: string; message: string };
}

/**
 * Query operations over NATS (request/reply, msgpack payloads). `owner:` operations go to
 * `ownerSubject(partition, op)` and are answered by the partition's owner from memory; `query:` operations go
 * to `querySubject(op)` (a queue group of all aggregators) and are answered from ClickHouse.
 * Every reply is either the result or a `QueryError`.
 */
export const QUERY_OPERATIONS = {
  /** owner: the customer's current counters → UsageSnapshot (empty counters when none). */
  currentUsage: "usage.current",
  /** query: per-bucket totals of one feature → TimeseriesResult. */
  timeseries: "usage.timeseries",
  /** query: raw events, newest first → EventsPage. */
  events: "usage.events",
  /** query: totals per (feature, entity) over [from, to), once the partition's watermark passed `waitUntil`. */
  periodTotals: "usage.period_totals",
  /**
   * query: the distinct readings of one feature's counted events over [from, to) with how many events read each, once
   * the partition's watermark passed `waitUntil` → ReadingsResult (percentage prices bill each event's reading).
   */
  readings: "usage.readings",
  /** query: which idempotency keys already have a counted event (written to ClickHouse) → KeysSeenResult. */
  keysSeen: "usage.keys_seen",
  /** owner: check and, when allowed, record `quantity` atomically (strict consume) → OwnerCheckReply. */
  consume: "entitlement.consume",
  /** owner: an authoritative check that records nothing → OwnerCheckReply. */
  check: "entitlement.check",
  /** owner: hold `quantity` against the balance until commit, release or expiry → ReservationReply. */
  reserve: "reservation.create",
  /** owner: record the actual usage of a reservation and free it → OwnerCheckReply. */
  commitReservation: "reservation.commit",
  /** owner: free a reservation → ReservationReply. */
  releaseReservation: "reservation.release",
} as const;

/** `entitlement.check` and `entitlement.consume`: decided by the owner of the customer's partition. */
export interface OwnerCheckRequest {
  env: LumenEnv;
  customer: string;
  feature: string;
  entity: string | null;
  quantity: number;
  /**
   * consume only: the id of the usage event the consume records (`evt_…`); a retry with the same id is answered
   * with the first decision and never recorded twice.
   */
  eventId?: string;
  /** consume only: the caller's idempotency key for the event (defaults to the event id). */
  idempotencyKey?: string | null;
  /**
   * Decide only once the partition has applied the stream up to this sequence: a sidecar passes the sequence of
   * the last event it tracked for the customer, so that its own earlier events count (PRODUCT §9).
   */
  appliedThrough?: number;
}

/** The check result (times in ms) as the owner decided it, with the customer's time it decided at. */
export interface OwnerCheckReply {
  result: CheckResult;
  /** The customer's time of the decision (a test clock's time for customers on one). */
  at: number;
  /** Event time (ms) of the newest event the decision includes. */
  asOf: number;
  /** consume: the recorded event's id when allowed, else null. */
  eventId: string | null;
  /** consume: the stream sequence of the recorded event, so a sidecar can count it until a snapshot includes it. */
  sequence?: number;
}

export interface ReservationRequest {
  env: LumenEnv;
  customer: string;
  feature: string;
  entity: string | null;
  quantity: number;
  ttlSeconds: number;
  /** `rsv_…`, chosen by the caller so that a retry is answered with the first decision. */
  id: string;
  /** As in `OwnerCheckRequest`: decide once the partition has applied the stream this far. */
  appliedThrough?: number;
}

/** A reservation the owner holds (also kept in the reservations bucket, so a new owner takes it over). */
export interface Reservation {
  id: string;
  env: LumenEnv;
  customer: string;
  feature: string;
  entity: string | null;
  quantity: number;
  /** The customer's time (ms) it was made and from which it no longer counts. */
  createdAt: number;
  expiresAt: number;
  status: "held" | "committed" | "released" | "expired";
}

/** `reservation.commit`: the check after the committed usage, with the reservation it ended. */
export type CommitReservationReply = OwnerCheckReply & { reservation: Reservation };

/**
 * `reservation.create` and `.release`. A denied reservation comes back with `status: "released"`. Owner replies may
 * also be a `QueryError` with the codes `validation_error`, `not_found`, `conflict`, `unavailable` or `timeout`.
 */
export interface ReservationReply {
  reservation: Reservation;
  /** create: whether the reservation was granted (an unheld reservation is not stored). */
  allowed: boolean;
  result: CheckResult;
}

export interface ReservationActionRequest {
  env: LumenEnv;
  customer: string;
  id: string;
  /** commit only: the actual usage (may differ from what was reserved; 0 records nothing). */
  quantity?: number;
}

export interface KeysSeenRequest {
  env: LumenEnv;
  keys: { customer: string; idempotencyKey: string }[];
  /** ms: keys counted within the 35 days before this instant count as seen. */
  at: number;
}

export interface KeysSeenResult {
  /** In the order of `keys`. */
  seen: boolean[];
}

export interface CurrentUsageRequest {
  env: LumenEnv;
  customer: string;
}

export interface TimeseriesRequest {
  env: LumenEnv;
  customer: string;
  feature: string;
  entity: string | null;
  /** ms, half-open [from, to). */
  from: number;
  to: number;
  granularity: "hour" | "day" | "month";
}

export interface TimeseriesResult {
  points: { start: number; value: number }[];
}

export interface EventsRequest {
  env: LumenEnv;
  customer: string | null;
  feature: string | null;
  from: number | null;
  to: number | null;
  limit: number;
  /** An event id from the previous page. */
  startingAfter: string | null;
}

export interface EventsPage {
  data: {
    id: string;
    customer: string;
    feature: string | null;
    event: string | null;
    entity: string | null;
    value: number;
    properties: Record<string, string | number | boolean | null> | null;
    timestamp: number;
    receivedAt: number;
    idempotencyKey: string | null;
    /** false when the event repeated an idempotency key and was not counted. */
    counted: boolean;
    /** Metered features the event counted toward. */
    features: string[];
  }[];
  hasMore: boolean;
}

export interface PeriodTotalsRequest {
  env: LumenEnv;
  customer: string;
  from: number;
  to: number;
  /** Wall-clock ms the partition's watermark must reach before answering (billing's period close). */
  waitUntil: number | null;
}

/** `usage.readings`: one feature's per-event readings of a customer, grouped by value. */
export interface ReadingsRequest extends PeriodTotalsRequest {
  feature: string;
}

export interface ReadingsResult {
  readings: { value: number; count: number }[];
  watermark: number;
}

export interface PeriodTotalsResult {
  totals: { feature: string; entity: string | null; value: number }[];
  watermark: number;
}
