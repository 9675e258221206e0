import type { Reservation } from "@lumen/core";
import type { Subscription } from "nats";
import { usageKey } from "../state/counter-store";
import { CatchUpGate } from "./catch-up-gate";
import { PendingUsageBook } from "./pending-usage";
import { reservationKey } from "./reservation-store";

/** An owned partition's decision state, for one generation of it: dropped whole when the partition stops. */
export class OwnerPartition {
  readonly gate: CatchUpGate;
  readonly pending = new PendingUsageBook();
  /** Held reservations by `reservationKey`. */
  readonly held = new Map<string, Reservation>();
  /** Reservations whose commit is being recorded, by `reservationKey`. */
  readonly committing = new Set<string>();
  subscriptions: Subscription[] = [];
  closed = false;

  constructor(
    readonly partition: number,
    countedSeq: number,
  ) {
    this.gate = new CatchUpGate(partition, countedSeq);
  }

  /** Holds a reservation's units against its customer's balance. */
  hold(reservation: Reservation): void {
    const { env, customer, id, feature, entity, quantity, expiresAt } = reservation;
    this.held.set(reservationKey(env, id), reservation);
    this.pending.addHold(usageKey(env, customer), id, { feature, entity, quantity }, expiresAt);
  }

  /** Takes a held reservation out (its units no longer count); undefined when it is not held. */
  take(env: Reservation["env"], id: string): Reservation | undefined {
    const key = reservationKey(env, id);
    const reservation = this.held.get(key);
    if (reservation === undefined) return undefined;
    this.held.delete(key);
    this.pending.removeHold(usageKey(reservation.env, reservation.customer), id);
    return reservation;
  }

  close(): void {
    this.closed = true;
    for (const subscription of this.subscriptions) subscription.unsubscribe();
    this.subscriptions = [];
    this.gate.close();
  }
}
