import { checkEntitlement, type OwnerCheckReply } from "@lumen/core";
import { assertPartition, customerBalance, ready } from "./customer-balance";
import type { OwnerContext } from "./owner-context";
import type { OwnerPartition } from "./owner-partition";
import { parseOwnerCheck } from "./owner-requests";

/** `entitlement.check`: the authoritative check (counters, ledgers, pending consumes and reservations); records nothing. */
export async function answerCheck({
  ctx,
  owner,
  request: raw,
}: {
  ctx: OwnerContext;
  owner: OwnerPartition;
  request: unknown;
}): Promise<OwnerCheckReply> {
  const request = parseOwnerCheck(raw, { consume: false });
  assertPartition(ctx, owner, request.env, request.customer);
  await ready(ctx, owner, request.appliedThrough);
  const { state, at, asOf } = customerBalance({ ctx, owner, env: request.env, customer: request.customer });
  const { feature, entity, quantity } = request;
  return { result: checkEntitlement({ state, feature, entity, quantity, at }), at, asOf, eventId: null };
}
