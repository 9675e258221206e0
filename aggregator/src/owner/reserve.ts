import type { Reservation, ReservationReply, ReservationRequest } from "@lumen/core";
import { checkEntitlement } from "@lumen/core";
import { QueryFailure } from "../query/query-failure";
import { assertLease, assertPartition, customerBalance, ready } from "./customer-balance";
import { decideConsume } from "./decide-consume";
import { decisionKey } from "./decisions";
import type { OwnerContext } from "./owner-context";
import type { OwnerPartition } from "./owner-partition";
import { type AppliedThrough, parseReservationRequest } from "./owner-requests";
import { reservationKey } from "./reservation-store";

/**
 * `reservation.create`: decided like a consume (no await between the read and the hold), then stored in the
 * reservations bucket before the answer, so that a new owner holds it too. Its units count against the balance
 * until commit, release or expiry in the customer's time. A retry with the same id gets the first answer.
 */
export async function answerReserve({
  ctx,
  owner,
  request: raw,
}: {
  ctx: OwnerContext;
  owner: OwnerPartition;
  request: unknown;
}): Promise<ReservationReply> {
  const request = parseReservationRequest(raw);
  assertPartition(ctx, owner, request.env, request.customer);
  const key = decisionKey("reserve", request.env, request.customer, request.id);
  return ctx.decisions.once(key, () => holdUnits({ ctx, owner, request }));
}

async function holdUnits({
  ctx,
  owner,
  request,
}: {
  ctx: OwnerContext;
  owner: OwnerPartition;
  request: ReservationRequest & AppliedThrough;
}): Promise<ReservationReply> {
  await ready(ctx, owner, request.appliedThrough);
  // From here to the hold, nothing awaits (as for a consume).
  const { env, customer, feature, entity, quantity, id } = request;
  const key = reservationKey(env, id);
  if (owner.committing.has(key)) throw new QueryFailure("conflict", `Reservation '${id}' is being committed`);
  const { state, at } = customerBalance({ ctx, owner, env, customer });
  // A retry that reaches a new owner after a takeover: the reservation came with the partition.
  const known = owner.held.get(key) ?? ctx.finished.get(key);
  if (known) {
    if (known.customer !== customer) throw new QueryFailure("conflict", `Reservation id '${id}' is taken`);
    const result = checkEntitlement({ state, feature: known.feature, entity: known.entity, quantity: 0, at });
    return { reservation: known, allowed: true, result };
  }
  const decision = decideConsume({ state, feature, entity, quantity, at });
  const reservation: Reservation = {
    id,
    env,
    customer,
    feature,
    entity,
    quantity,
    createdAt: at,
    expiresAt: at + request.ttlSeconds * 1000,
    status: "held",
  };
  // A denied reservation holds nothing: it reads as released, and is not stored.
  if (!decision.allowed)
    return { reservation: { ...reservation, status: "released" }, allowed: false, result: decision.result };
  owner.hold(reservation);
  const storing = ctx.reservations.put(reservation);
  ctx.track(owner.partition, storing);
  try {
    await storing;
  } catch (error) {
    if (owner.held.get(key) === reservation) owner.take(env, id);
    const reason = error instanceof Error ? error.message : String(error);
    throw new QueryFailure("unavailable", `The reservation could not be stored (${reason}); retry`);
  }
  assertLease(ctx, owner);
  return { reservation, allowed: true, result: decision.result };
}
