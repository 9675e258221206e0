import { checkEntitlement, newId, type OwnerCheckReply, type OwnerCheckRequest, type UsageEvent } from "@lumen/core";
import { usageKey } from "../state/counter-store";
import { assertLease, assertPartition, customerBalance, ready } from "./customer-balance";
import { decideConsume } from "./decide-consume";
import { decisionKey } from "./decisions";
import type { OwnerContext } from "./owner-context";
import type { OwnerPartition } from "./owner-partition";
import { parseOwnerCheck } from "./owner-requests";
import { recordUsage } from "./record-usage";

/**
 * `entitlement.consume` (strict consume, DESIGN step 5): decided on the in-memory balance with no await between the
 * read and the pending usage it adds, made durable (a usage event in the stream, PubAck) before the answer. A retry
 * with the same event id, or an allowed consume's idempotency key, gets the first answer and records nothing more; a
 * retry whose event is already counted (its first owner crashed before answering) is answered allowed.
 */
export async function answerConsume({
  ctx,
  owner,
  request: raw,
}: {
  ctx: OwnerContext;
  owner: OwnerPartition;
  request: unknown;
}): Promise<OwnerCheckReply> {
  const request = parseOwnerCheck(raw, { consume: true });
  assertPartition(ctx, owner, request.env, request.customer);
  const eventId = request.eventId ?? newId("evt");
  const key = decisionKey("consume", request.env, request.customer, eventId);
  return ctx.decisions.once(key, () => decide({ ctx, owner, request, eventId }));
}

async function decide({
  ctx,
  owner,
  request,
  eventId,
}: {
  ctx: OwnerContext;
  owner: OwnerPartition;
  request: OwnerCheckRequest;
  eventId: string;
}): Promise<OwnerCheckReply> {
  await ready(ctx, owner, request.appliedThrough);
  // From here to the publish, nothing awaits: no other decision runs between this read and the pending usage.
  const { env, customer, feature, entity, quantity } = request;
  const keyed = request.idempotencyKey ? decisionKey("consume-key", env, customer, request.idempotencyKey) : null;
  const earlier = keyed ? ctx.decisions.get<OwnerCheckReply>(keyed) : undefined;
  if (earlier) return earlier;
  const idempotencyKey = request.idempotencyKey ?? eventId;
  const { state, at, asOf } = customerBalance({ ctx, owner, env, customer });
  const counted = ctx.countedKey(env, customer, idempotencyKey);
  if (counted !== undefined) {
    // Its event is already counted (the answer was lost, perhaps with the owner that gave it): it was allowed.
    const result = checkEntitlement({ state, feature, entity, quantity: 0, at });
    return { result: { ...result, allowed: true, reason: null }, at, asOf, eventId, sequence: counted };
  }
  const decision = decideConsume({ state, feature, entity, quantity, at });
  if (!decision.allowed) return { result: decision.result, at, asOf, eventId: null };
  owner.pending.addConsume(usageKey(env, customer), eventId, { feature, entity, quantity });
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
    idempotencyKey,
  };
  const recorded = (async (): Promise<OwnerCheckReply> => {
    const sequence = await recordUsage({ ctx, owner, event });
    assertLease(ctx, owner);
    return { result: decision.result, at, asOf: Math.max(asOf, at), eventId, sequence };
  })();
  return keyed ? ctx.decisions.remember(keyed, recorded) : recorded;
}
