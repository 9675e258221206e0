import type { UsageEvent } from "@lumen/core";
import type { JetStreamManager } from "nats";
import { QueryFailure } from "../query/query-failure";
import { usageKey } from "../state/counter-store";
import type { OwnerContext } from "./owner-context";
import type { OwnerPartition } from "./owner-partition";

// When the stream's end cannot be read after a failed publish, the usage counts this long before it is forgotten.
const UNCERTAIN_HOLD_MS = 30_000;

/**
 * Puts a decided usage event in the stream (its pending usage already counts) and resolves with its stream
 * sequence once the stream has it. When the stream does not confirm it, the event may still have landed: its pending
 * usage keeps counting until the partition has applied everything the stream then held (it is settled by id if it
 * did land), and the caller gets `unavailable`.
 */
export async function recordUsage({
  ctx,
  owner,
  event,
}: {
  ctx: OwnerContext;
  owner: OwnerPartition;
  event: UsageEvent;
}): Promise<number> {
  const publishing = ctx.publisher.publish([event]);
  ctx.track(owner.partition, publishing);
  try {
    const [sequence] = await publishing;
    return sequence ?? 0;
  } catch (error) {
    forgetOnceCounted({ ctx, owner, event });
    const reason = error instanceof Error ? error.message : String(error);
    throw new QueryFailure("unavailable", `The usage could not be recorded (${reason}); retry`);
  }
}

function forgetOnceCounted({ ctx, owner, event }: { ctx: OwnerContext; owner: OwnerPartition; event: UsageEvent }) {
  const forget = () => owner.pending.removeConsume(usageKey(event.env, event.customer), event.id);
  lastSequence(ctx.jsm, ctx.names.eventsStream, ctx.names.eventsSubject(event.env, owner.partition))
    .then(
      (seq) => owner.gate.counts(seq),
      () => new Promise((resolve) => setTimeout(resolve, UNCERTAIN_HOLD_MS).unref()),
    )
    .then(forget, forget);
}

/** The stream sequence of the last message on `subject` (0 when it has none). */
export async function lastSequence(
  jsm: Pick<JetStreamManager, "streams">,
  stream: string,
  subject: string,
): Promise<number> {
  try {
    return (await jsm.streams.getMessage(stream, { last_by_subj: subject })).seq;
  } catch (error) {
    if ((error as { api_error?: { err_code?: number } }).api_error?.err_code === 10037) return 0;
    throw error;
  }
}
