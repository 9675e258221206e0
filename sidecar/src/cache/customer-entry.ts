import type { BalanceState, CheckResult, CustomerDefinition, LumenEnv, PendingUsage, UsageSnapshot } from "@lumen/core";
import type { Memo } from "./check-memo";

/** An event tracked through this sidecar, counted here until a snapshot of the owner includes it. */
export interface OwnEvent {
  id: string;
  usage: PendingUsage[];
  /** The stream sequence of its batch once the stream confirmed it; null while queued or in flight. */
  sequence: number | null;
  /** Sidecar wall-clock ms it was tracked. */
  trackedAt: number;
  /**
   * Sidecar wall-clock ms the stream confirmed it: a safety net drops confirmed events no snapshot ever mentions (an
   * event that counted nothing). Events not yet confirmed are never dropped: they will be sent.
   */
  confirmedAt?: number;
  /** A reservation made through this sidecar: it counts until this wall-clock ms unless committed or released. */
  holdUntil?: number;
}

/** What the sidecar holds of one customer: its definition, the owner's latest snapshot, and its own events. */
export interface CustomerEntry {
  env: LumenEnv;
  customer: string;
  /** undefined: no definition in KV (an unknown customer, remembered until billing pushes one). */
  definition: CustomerDefinition | undefined;
  snapshot: UsageSnapshot | undefined;
  own: OwnEvent[];
  /** Bytes the entry holds, roughly: what the LRU's byte bound counts. */
  size: number;
  /** Wall-clock ms of the last refresh from KV or push. */
  refreshedAt: number;
  /** Grows with every change of the entry: memoized checks of older revisions are stale. */
  revision: number;
  memo: Map<string, Memo>;
  /** The last answer per (feature, entity), with its JSON text: reused while the result object is the same. */
  answers: Map<string, { result: CheckResult; asOf: number; stale: boolean; body: unknown; json: string }>;
}

/** Own events older than this are dropped even if no snapshot mentioned them (events that counted nothing). */
export const OWN_EVENT_MAX_AGE_MS = 60_000;

/** Applies a definition unless it is older than the one held (billing's versions only grow). */
export function applyDefinition(entry: CustomerEntry, definition: CustomerDefinition, now: number): boolean {
  if (entry.definition && definition.version < entry.definition.version) return false;
  entry.definition = definition;
  entry.refreshedAt = now;
  entry.revision++;
  entry.size = sizeOf(entry);
  return true;
}

/**
 * Applies an owner snapshot unless it is older than the one held (stream sequences only grow), and forgets the own
 * events it includes: those whose batch sequence it has reached.
 */
export function applySnapshot(entry: CustomerEntry, snapshot: UsageSnapshot, now: number): boolean {
  if (entry.snapshot && snapshot.seq < entry.snapshot.seq) return false;
  entry.snapshot = snapshot;
  entry.refreshedAt = now;
  entry.revision++;
  reconcile(entry, now);
  entry.size = sizeOf(entry);
  return true;
}

/** Drops own events the snapshot includes, and those too old to matter. */
export function reconcile(entry: CustomerEntry, now: number): void {
  const applied = entry.snapshot?.seq ?? 0;
  if (entry.own.length === 0) return;
  const kept = entry.own.filter((event) =>
    event.holdUntil !== undefined
      ? now < event.holdUntil
      : event.sequence === null ||
        (event.sequence > applied && now - (event.confirmedAt ?? event.trackedAt) < OWN_EVENT_MAX_AGE_MS),
  );
  if (kept.length !== entry.own.length) {
    entry.own = kept;
    entry.revision++;
  }
}

/** Counts an event of this sidecar in the entry at once. */
export function addOwnEvent(entry: CustomerEntry, own: OwnEvent): void {
  // A retried consume is answered with the first decision and the same event: count it once.
  if (entry.own.some((event) => event.id === own.id)) return;
  entry.own.push(own);
  entry.revision++;
}

/** Forgets an own event (a reservation committed or released through this sidecar). */
export function removeOwnEvent(entry: CustomerEntry, id: string): void {
  const kept = entry.own.filter((event) => event.id !== id);
  if (kept.length === entry.own.length) return;
  entry.own = kept;
  entry.revision++;
}

/** The balance inputs of the core model: the owner's counters and ledgers plus this sidecar's own events. */
export function balanceStateOf(entry: CustomerEntry, now: number): BalanceState {
  if (entry.own.length > 0) reconcile(entry, now);
  const pending: PendingUsage[] = [];
  for (const event of entry.own) for (const usage of event.usage) pending.push(usage);
  return {
    definition: entry.definition,
    counters: entry.snapshot?.counters ?? [],
    ledgers: entry.snapshot?.ledgers ?? [],
    pending,
  };
}

/** Newest event time the answer includes: the snapshot's, or now for events counted here. */
export function asOfOf(entry: CustomerEntry, now: number): number {
  const snapshotAsOf = entry.snapshot?.asOf ?? 0;
  return entry.own.length > 0 ? Math.max(snapshotAsOf, now) : snapshotAsOf || entry.refreshedAt;
}

/**
 * Bytes the entry costs in the V8 heap, roughly, calibrated on a measurement (a customer with two features and one
 * counter: about 7 KB of heap after GC, of which about 3.3 KB are its two NATS subscriptions). The LRU's byte bound
 * counts these, so it bounds the real memory, not only the payloads.
 */
export function sizeOf(entry: CustomerEntry): number {
  const definition = entry.definition;
  let size = 4_500 + entry.customer.length * 2;
  if (definition) {
    size += 900 * Object.keys(definition.features).length;
    size += 250 * definition.grants.length;
    size += 200 * Object.keys(definition.overrides).length;
    size += 100 * Object.keys(definition.entities).length;
  }
  if (entry.snapshot) {
    size += 250 * entry.snapshot.counters.length;
    size += 250 * (entry.snapshot.ledgers?.length ?? 0);
  }
  size += 200 * entry.own.length;
  return size;
}
