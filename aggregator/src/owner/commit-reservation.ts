import {
  checkEntitlement,
  newId,
  type OwnerCheckReply,
  type Reservation,
  type ReservationActionRequest,
  type UsageEvent,
} from "@lumen/core";
import { QueryFailure } from "../query/query-failure";
import { usageKey } from "../state/counter-store";
import { assertLease, assertPartition, customerBalance, ready } from "./customer-balance";
import { decisionKey } from "./decisions";
import { finishReservation } from "./finish-reservation";
import type { OwnerContext } from "./owner-context";
import type { OwnerPartition } from "./owner-partition";
import { parseReservationAction } from "./owner-requests";
import { recordUsage } from "./record-usage";
import { reservationKey } from "./reservation-store";

export type CommitReply = OwnerCheckReply & { reservation: Reservation };

/**
 * `reservation.commit`: frees the hold and records the actual usage (the reserved quantity when none is given; 0
 * records nothing) as a usage event, like a consume that is never denied. The event's idempotency key is the
 * reservation id, so a commit retried anywhere counts once. A reservation that expired before its commit still has
 * its usage recorded: the work happened.
 */
export async function answerCommit({
  ctx,
  owner,
  request: raw,
}: {
  ctx: OwnerContext;
  owner: OwnerPartition;
  request: unknown;
}): Promise<CommitReply> {
  const request = parseReservationAction(raw);
  assertPartition(ctx, owner, request.env, request.customer);
  const key = decisionKey("commit", request.env, request.customer, request.id);
  return ctx.decisions.once(key, () => commit({ ctx, owner, request }));
}

async function commit({
  ctx,
  owner,
  request,
}: {
  ctx: OwnerContext;
  owner: OwnerPartition;
  request: ReservationActionRequest;
}): Promise<CommitReply> {
  await ready(ctx, owner);
  const { env, customer, id } = request;
  const key = reservationKey(env, id);
  if (owner.committing.has(key)) throw new QueryFailure("conflict", `Reservation '${id}' is being committed`);
  const found = owner.held.get(key) ?? ctx.finished.get(key);
  if (!found || found.customer !== customer) throw new QueryFailure("not_found", `No reservation with id '${id}'`);
  if (found.status !== "held" && found.status !== "expired") {
    throw new QueryFailure("conflict", `Reservation '${id}' was already ${found.status}`);
  }
  const taken = owner.take(env, id);
  const { state, at, asOf } = customerBalance({ ctx, owner, env, customer });
  const { feature, entity } = found;
  const quantity = request.quantity ?? found.quantity;
  const committed: Reservation = { ...found, status: "committed" };
  if (quantity === 0) {
    finishReservation(ctx, committed);
    const result = checkEntitlement({ state, feature, entity, quantity: 0, at });
    return { result, at, asOf, eventId: null, reservation: committed };
  }
  const eventId = newId("evt");
  owner.pending.addConsume(usageKey(env, customer), eventId, { feature, entity, quantity });
  const result = checkEntitlement({
    state: { ...state, pending: [...state.pending, { feature, entity, quantity }] },
    feature,
    entity,
    quantity: 0,
    at,
  });
  const event: UsageEvent = {
    id: eventId,
    env,
    customer,
    feature,
    event: null,
    entity,
    value: quantity,
    properties: null,
    timestamp: at,
    receivedAt: ctx.clock.now().getTime(),
    idempotencyKey: id,
  };
  owner.committing.add(key);
  let sequence: number;
  try {
    sequence = await recordUsage({ ctx, owner, event });
  } catch (error) {
    // Not recorded (as far as is known): the units stay held, and the commit may be retried.
    if (taken && !owner.closed) owner.hold(taken);
    throw error;
  } finally {
    owner.committing.delete(key);
  }
  // A new owner holds the reservation still: the retry commits it there, and the key makes the usage count once.
  assertLease(ctx, owner);
  finishReservation(ctx, committed);
  return { result, at, asOf: Math.max(asOf, at), eventId, sequence, reservation: committed };
}
