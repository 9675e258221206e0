import { customerTime } from "./customer-balance";
import { finishReservation } from "./finish-reservation";
import type { OwnerContext } from "./owner-context";
import type { OwnerPartition } from "./owner-partition";

/**
 * Ends the held reservations whose expiry has come in their customer's time (a test clock's, once billing moves it).
 * Balances already leave such a reservation out from that instant on; this frees its memory and its bucket entry.
 */
export function expireReservations({ ctx, owner }: { ctx: OwnerContext; owner: OwnerPartition }): number {
  let expired = 0;
  for (const reservation of [...owner.held.values()]) {
    const at = customerTime(ctx, ctx.sources.definitionOf(reservation.env, reservation.customer));
    if (at < reservation.expiresAt) continue;
    owner.take(reservation.env, reservation.id);
    finishReservation(ctx, { ...reservation, status: "expired" });
    expired++;
  }
  return expired;
}
