import type { Reservation } from "@lumen/core";
import type { OwnerContext } from "./owner-context";
import { reservationKey } from "./reservation-store";

const ATTEMPTS = 3;

/**
 * Remembers how a reservation ended (retried actions are answered from memory) and removes it from the bucket in
 * the background. A removal that fails leaves a held entry that a new owner would hold until its expiry: fewer units
 * for a while, never more.
 */
export function finishReservation(ctx: OwnerContext, reservation: Reservation): void {
  ctx.finished.set(reservationKey(reservation.env, reservation.id), reservation);
  void (async () => {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      try {
        await ctx.reservations.remove(reservation.env, reservation.id);
        return;
      } catch (error) {
        if (attempt === ATTEMPTS) {
          ctx.logger.warn({ err: error, reservation: reservation.id }, "removing a finished reservation failed");
        } else await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  })();
}
