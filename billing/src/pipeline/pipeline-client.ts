import {
  customerKey,
  decodeMessage,
  encodeMessage,
  isErrorCode,
  type LumenEnv,
  LumenError,
  type PipelineNames,
  partitionOf,
  type UsageEvent,
  type UsageSnapshot,
} from "@lumen/core";
import { createEventPublisher, ensureEventsStream } from "@lumen/core/runtime";
import type { KV, NatsConnection } from "nats";

const REQUEST_TIMEOUT_MS = 10_000;
/** How long an owner request may wait for the partition's owner, takeovers included (about 5–6 s). */
export const OWNER_TIMEOUT_MS = 5_000;
const NO_OWNER_RETRY_MS = 100;

/** Billing's view of the metering pipeline: queries to the aggregators and the snapshots they keep. */
export interface PipelineClient {
  names: PipelineNames;
  partitions: number;
  /** Request/reply to the aggregators; a `QueryError` reply becomes a LumenError, no answer `unavailable`. */
  request<T>(subject: string, payload: unknown, timeoutMs?: number): Promise<T>;
  /**
   * Request/reply to the owner of the customer's partition (`QUERY_OPERATIONS` `owner:` operations). While no
   * aggregator owns the partition (a takeover), the request is sent again until `ownerTimeoutMs`; then `unavailable`.
   */
  requestOwner<T>(options: { env: LumenEnv; customer: string; operation: string; payload: unknown }): Promise<T>;
  /** The customer's latest usage snapshot, or null before its first event. */
  snapshot(env: LumenEnv, customer: string): Promise<UsageSnapshot | null>;
  partitionOf(env: LumenEnv, customer: string): number;
  /** Puts events in the stream; resolves once they are durable (the same path as ingest). */
  publish(events: readonly UsageEvent[]): Promise<void>;
  close(): Promise<void>;
}

export async function openPipelineClient({
  nats,
  names,
  partitions,
  ownerTimeoutMs = OWNER_TIMEOUT_MS,
}: {
  nats: NatsConnection;
  names: PipelineNames;
  partitions: number;
  ownerTimeoutMs?: number;
}): Promise<PipelineClient> {
  const balances: KV = await nats.jetstream().views.kv(names.buckets.balances, { history: 1 });
  await ensureEventsStream(await nats.jetstreamManager(), names, partitions);
  const publisher = createEventPublisher({ js: nats.jetstream(), names, partitions });
  const send = async (subject: string, data: Uint8Array, timeoutMs: number) => {
    try {
      return await nats.request(subject, data, { timeout: timeoutMs });
    } catch (error) {
      throw new PipelineSilence(error);
    }
  };
  return {
    names,
    partitions,
    async request<T>(subject: string, payload: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
      try {
        return replyOf<T>((await send(subject, encodeMessage(payload), timeoutMs)).data);
      } catch (error) {
        throw error instanceof PipelineSilence ? unavailable(error.reason) : error;
      }
    },
    async requestOwner<T>({
      env,
      customer,
      operation,
      payload,
    }: {
      env: LumenEnv;
      customer: string;
      operation: string;
      payload: unknown;
    }): Promise<T> {
      const subject = names.ownerSubject(partitionOf(env, customer, partitions), operation);
      const data = encodeMessage(payload);
      const deadline = Date.now() + ownerTimeoutMs;
      for (;;) {
        try {
          return replyOf<T>((await send(subject, data, Math.max(1, deadline - Date.now()))).data);
        } catch (error) {
          if (!(error instanceof PipelineSilence)) throw error;
          // Nobody listens on the subject (no owner yet): the message was never delivered, sending again is safe.
          if (!error.noResponders || Date.now() + NO_OWNER_RETRY_MS >= deadline) {
            throw unavailable(error.reason, "The owner of the customer's partition");
          }
          await new Promise((resolve) => setTimeout(resolve, NO_OWNER_RETRY_MS));
        }
      }
    },
    async snapshot(env, customer) {
      const entry = await balances.get(customerKey(env, customer));
      if (entry?.operation !== "PUT" || entry.value.length === 0) return null;
      return decodeMessage<UsageSnapshot>(entry.value);
    },
    partitionOf: (env, customer) => partitionOf(env, customer, partitions),
    publish: async (events) => {
      await publisher.publish(events);
    },
    close: () => publisher.close(),
  };
}

/** A request that got no answer: nobody listens (`noResponders`), a timeout, or a connection gone. */
class PipelineSilence extends Error {
  readonly reason: string;
  readonly noResponders: boolean;

  constructor(cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(reason);
    this.reason = reason;
    // nats.js reports "no responders" with code "503".
    this.noResponders = (cause as { code?: unknown } | null)?.code === "503";
  }
}

function unavailable(reason: string, who = "The metering pipeline"): LumenError {
  return new LumenError("unavailable", `${who} did not answer (${reason}); retry shortly`);
}

/** The reply, or its `QueryError` as a LumenError (the aggregator's code when it is one of ours). */
function replyOf<T>(data: Uint8Array): T {
  const body = decodeMessage<T | { error: { code: string; message: string } }>(data);
  if (body && typeof body === "object" && "error" in body && body.error) {
    throw new LumenError(isErrorCode(body.error.code) ? body.error.code : "internal", body.error.message);
  }
  return body as T;
}

export function requirePipeline(pipeline: PipelineClient | undefined): PipelineClient {
  if (!pipeline) throw new LumenError("internal", "The metering pipeline is not configured in this process");
  return pipeline;
}
