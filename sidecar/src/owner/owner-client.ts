import {
  decodeMessage,
  encodeMessage,
  isErrorCode,
  type LumenEnv,
  LumenError,
  type PipelineNames,
  partitionOf,
} from "@lumen/core";
import type { NatsConnection } from "nats";

/** Requests to the aggregator that owns a customer's partition (strict consume, reservations). */
export interface OwnerClient {
  request<T>(env: LumenEnv, customer: string, operation: string, payload: unknown): Promise<T>;
}

export function createOwnerClient({
  nats,
  names,
  partitions,
  timeoutMs = 5_000,
}: {
  nats: NatsConnection;
  names: PipelineNames;
  partitions: number;
  timeoutMs?: number;
}): OwnerClient {
  return {
    async request<T>(env: LumenEnv, customer: string, operation: string, payload: unknown): Promise<T> {
      const subject = names.ownerSubject(partitionOf(env, customer, partitions), operation);
      let data: Uint8Array;
      try {
        data = (await nats.request(subject, encodeMessage(payload), { timeout: timeoutMs })).data;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        throw new LumenError("unavailable", `The owner of the customer's balances did not answer (${reason}); retry`);
      }
      const body = decodeMessage<T | { error?: { code: string; message: string } }>(data);
      if (body && typeof body === "object" && "error" in body && body.error) {
        const { code, message } = body.error;
        if (code === "validation_error" || code === "not_found") throw new LumenError(code, message);
        throw new LumenError(isErrorCode(code) && code !== "internal" ? code : "unavailable", message);
      }
      return body as T;
    },
  };
}
