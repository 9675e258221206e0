import type { PendingUsage } from "@lumen/core";

interface PendingEntry extends PendingUsage {
  /** The customer's time from which it no longer counts (a reservation's expiry); null: until removed. */
  expiresAt: number | null;
}

/**
 * The owner's usage not yet in the counters, per customer: consumes recorded but not yet applied (keyed by their
 * event id, dropped by `settle` when the counters take the event) and reservations held.
 */
export class PendingUsageBook {
  private readonly customers = new Map<string, Map<string, PendingEntry>>();
  /** Consume event id → its customer. */
  private readonly events = new Map<string, string>();

  /** A consume's usage, until the counters take its event. */
  addConsume(customer: string, eventId: string, usage: PendingUsage): void {
    this.entries(customer).set(`e:${eventId}`, entry(usage, null));
    this.events.set(eventId, customer);
  }

  /** A reservation's units, until it is released, committed or expires (in the customer's time). */
  addHold(customer: string, reservationId: string, usage: PendingUsage, expiresAt: number): void {
    this.entries(customer).set(`r:${reservationId}`, entry(usage, expiresAt));
  }

  removeConsume(customer: string, eventId: string): void {
    this.remove(customer, `e:${eventId}`);
    this.events.delete(eventId);
  }

  removeHold(customer: string, reservationId: string): void {
    this.remove(customer, `r:${reservationId}`);
  }

  /** The counters took (or dropped as a repeat) the event: its pending usage, if any, goes. */
  settle(eventId: string): void {
    const customer = this.events.get(eventId);
    if (customer !== undefined) this.removeConsume(customer, eventId);
  }

  /**
   * What counts against the customer's balances at `at`, summed per (feature, entity): under load a customer has
   * hundreds of consumes on their way, and each decision reads them twice or more.
   */
  at(customer: string, at: number): PendingUsage[] {
    const entries = this.customers.get(customer);
    if (entries === undefined) return [];
    const sums = new Map<string, PendingUsage>();
    for (const pending of entries.values()) {
      if (pending.expiresAt !== null && at >= pending.expiresAt) continue;
      const key = pending.entity === null ? pending.feature : `${pending.feature}\u0000${pending.entity}`;
      const sum = sums.get(key);
      if (sum) sum.quantity += pending.quantity;
      else sums.set(key, { feature: pending.feature, entity: pending.entity, quantity: pending.quantity });
    }
    return [...sums.values()];
  }

  /** Consumes waiting for their events. */
  get consumes(): number {
    return this.events.size;
  }

  private entries(customer: string): Map<string, PendingEntry> {
    let entries = this.customers.get(customer);
    if (entries === undefined) {
      entries = new Map();
      this.customers.set(customer, entries);
    }
    return entries;
  }

  private remove(customer: string, key: string): void {
    const entries = this.customers.get(customer);
    if (!entries?.delete(key)) return;
    if (entries.size === 0) this.customers.delete(customer);
  }
}

/** One shape for every entry (a spread would give each its own, and the loop in `at` would pay for it). */
function entry({ feature, entity, quantity }: PendingUsage, expiresAt: number | null): PendingEntry {
  return { feature, entity, quantity, expiresAt };
}
