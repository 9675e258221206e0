import { type BalanceState, type CustomerDefinition, type LumenEnv, partitionOf } from "@lumen/core";
import { QueryFailure } from "../query/query-failure";
import { usageKey } from "../state/counter-store";
import { usageCountersOf } from "../state/usage-counters";
import type { OwnerContext } from "./owner-context";
import type { OwnerPartition } from "./owner-partition";

/** The customer belongs to this partition (a request sent to the wrong owner is the caller's mistake). */
export function assertPartition(ctx: OwnerContext, owner: OwnerPartition, env: LumenEnv, customer: string): void {
  const partition = partitionOf(env, customer, ctx.partitions);
  if (partition !== owner.partition) {
    throw new QueryFailure("validation_error", `Customer '${customer}' belongs to partition ${partition}`);
  }
}

/** Still this partition's owner: the partition is open here and its lease renewed recently enough to act on. */
export function assertOwning(ctx: OwnerContext, owner: OwnerPartition): void {
  if (owner.closed || !ctx.holds(owner.partition)) {
    throw new QueryFailure("unavailable", `Partition ${owner.partition} is moving to another owner; retry`);
  }
}

/**
 * After a usage event is in the stream: the lease is still ours. (A partition restarted in this process counts the
 * event before deciding again; a new owner elsewhere may not, so an event stored after the lease went is no "allowed".)
 */
export function assertLease(ctx: OwnerContext, owner: OwnerPartition): void {
  if (!ctx.holds(owner.partition)) {
    throw new QueryFailure("unavailable", `Partition ${owner.partition} moved to another owner while recording; retry`);
  }
}

/** Waits until the partition may decide (see CatchUpGate), then checks it is still ours. */
export async function ready(ctx: OwnerContext, owner: OwnerPartition, appliedThrough?: number): Promise<void> {
  await owner.gate.wait(appliedThrough ?? 0, ctx.settings.catchUpTimeoutMs);
  assertOwning(ctx, owner);
}

/** The customer's time: its test clock's frozen time when it lives on one (and the clock is known), else now. */
export function customerTime(ctx: OwnerContext, definition: CustomerDefinition | undefined): number {
  const clock = definition?.testClock;
  return (clock ? ctx.clocks.time(clock) : undefined) ?? ctx.clock.now().getTime();
}

/**
 * Everything a decision about the customer reads, synchronously: the counters, the ledgers and the pending usage
 * at the customer's time, with `asOf` the event time of the newest counted event.
 */
export function customerBalance({
  ctx,
  owner,
  env,
  customer,
}: {
  ctx: OwnerContext;
  owner: OwnerPartition;
  env: LumenEnv;
  customer: string;
}): { state: BalanceState; at: number; asOf: number } {
  const definition = ctx.sources.definitionOf(env, customer);
  const at = customerTime(ctx, definition);
  const usage = ctx.counters.find(owner.partition, env, customer);
  const { counters, asOf } = usage ? usageCountersOf(usage, ctx.sources.catalogOf(env)) : { counters: [], asOf: 0 };
  const pending = owner.pending.at(usageKey(env, customer), at);
  return { state: { definition, counters, ledgers: usage?.ledgers ?? [], pending }, at, asOf };
}
