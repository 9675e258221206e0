import {
  customerKey,
  decodeMessage,
  encodeMessage,
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

/** Billing's view of the metering pipeline: queries to the aggregators and the snapshots they keep. */
export interface PipelineClient {
  names: PipelineNames;
  partitions: number;
  /** Request/reply to the aggregators; a `QueryError` reply becomes a LumenError. */
  request<T>(subject: string, payload: unknown, timeoutMs?: number): Promise<T>;
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
}: {
  nats: NatsConnection;
  names: PipelineNames;
  partitions: number;
}): Promise<PipelineClient> {
  const balances: KV = await nats.jetstream().views.kv(names.buckets.balances, { history: 1 });
  await ensureEventsStream(await nats.jetstreamManager(), names, partitions);
  const publisher = createEventPublisher({ js: nats.jetstream(), names, partitions });
  return {
    names,
    partitions,
    async request<T>(subject: string, payload: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<T> {
      let reply: { data: Uint8Array };
      try {
        reply = await nats.request(subject, encodeMessage(payload), { timeout: timeoutMs });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        throw new LumenError("internal", `The metering pipeline did not answer (${message}); retry shortly`);
      }
      const body = decodeMessage<T | { error: { code: string; message: string } }>(reply.data);
      if (body && typeof body === "object" && "error" in body && body.error) {
        const code = body.error.code === "validation_error" ? "validation_error" : "internal";
        throw new LumenError(code, body.error.message);
      }
      return body as T;
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

export function requirePipeline(pipeline: PipelineClient | undefined): PipelineClient {
  if (!pipeline) throw new LumenError("internal", "The metering pipeline is not configured in this process");
  return pipeline;
}
