import { checkEntitlement, type Reservation, type ReservationReply } from "@lumen/core";
import { QueryFailure } from "../query/query-failure";
import { assertPartition, customerBalance, ready } from "./customer-balance";
import type { OwnerContext } from "./owner-context";
import type { OwnerPartition } from "./owner-partition";
import { parseReservationAction } from "./owner-requests";
import { reservationKey } from "./reservation-store";

/**
 * `reservation.release`: frees the held units at once. Releasing a reservation that already ended answers it as it
 * ended (released, expired or committed) and changes nothing; the bucket entry is removed before the answer, so a
 * new owner never holds a released reservation again.
 */
export async function answerRelease({
  ctx,
  owner,
  request: raw,
}: {
  ctx: OwnerContext;
  owner: OwnerPartition;
  request: unknown;
}): Promise<ReservationReply> {
  const request = parseReservationAction(raw);
  const { env, customer, id } = request;
  assertPartition(ctx, owner, env, customer);
  await ready(ctx, owner);
  const key = reservationKey(env, id);
  if (owner.committing.has(key)) throw new QueryFailure("conflict", `Reservation '${id}' is being committed`);
  const held = owner.held.get(key);
  let reservation: Reservation | undefined;
  if (held && held.customer === customer) {
    owner.take(env, id);
    const { at } = customerBalance({ ctx, owner, env, customer });
    reservation = { ...held, status: at >= held.expiresAt ? "expired" : "released" };
    ctx.finished.set(key, reservation);
  } else {
    reservation = ctx.finished.get(key);
    if (!reservation || reservation.customer !== customer) {
      throw new QueryFailure("not_found", `No reservation with id '${id}'`);
    }
  }
  const { state, at } = customerBalance({ ctx, owner, env, customer });
  const result = checkEntitlement({ state, feature: reservation.feature, entity: reservation.entity, quantity: 0, at });
  if (reservation.status !== "committed") {
    try {
      await ctx.reservations.remove(env, id);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new QueryFailure("unavailable", `The release could not be stored (${reason}); retry`);
    }
  }
  return { reservation, allowed: true, result };
}
