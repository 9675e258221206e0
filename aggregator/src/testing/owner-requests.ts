import {
  type CustomerDefinition,
  decodeMessage,
  encodeMessage,
  type LumenEnv,
  type OwnerCheckReply,
  type PipelineNames,
  partitionOf,
  QUERY_OPERATIONS,
  type QueryError,
  type Reservation,
  type ReservationReply,
} from "@lumen/core";
import type { NatsConnection } from "nats";
import { eventually } from "./events";

export type OwnerAnswer<T> = T | QueryError;

/** Requests to the owner of a customer's partition, as a sidecar or the billing API sends them. */
export interface OwnerRequests {
  check(fields: {
    customer: string;
    feature: string;
    quantity?: number;
    entity?: string | null;
  }): Promise<OwnerAnswer<OwnerCheckReply>>;
  consume(fields: {
    customer: string;
    feature: string;
    quantity?: number;
    entity?: string | null;
    eventId?: string;
    idempotencyKey?: string | null;
    appliedThrough?: number;
  }): Promise<OwnerAnswer<OwnerCheckReply>>;
  reserve(fields: {
    customer: string;
    feature: string;
    quantity: number;
    id: string;
    ttlSeconds?: number;
    entity?: string | null;
  }): Promise<OwnerAnswer<ReservationReply>>;
  commit(fields: {
    customer: string;
    id: string;
    quantity?: number;
  }): Promise<OwnerAnswer<OwnerCheckReply & { reservation: Reservation }>>;
  release(fields: { customer: string; id: string }): Promise<OwnerAnswer<ReservationReply>>;
  /** Any payload (raw bytes are sent as they are) to an operation of the customer's owner. */
  raw(operation: string, customer: string, payload: unknown): Promise<unknown>;
  /** Resolves once the owner knows the customer's definition (its checks no longer say customer_not_found). */
  waitForDefinition(definition: CustomerDefinition, feature: string): Promise<void>;
}

export function ownerRequests({
  nats,
  names,
  partitions,
  env = "test",
  timeoutMs = 10_000,
}: {
  nats: NatsConnection;
  names: PipelineNames;
  partitions: number;
  env?: LumenEnv;
  timeoutMs?: number;
}): OwnerRequests {
  const send = async <T>(operation: string, customer: string, payload: unknown): Promise<T> => {
    const subject = names.ownerSubject(partitionOf(env, customer, partitions), operation);
    const data = payload instanceof Uint8Array ? payload : encodeMessage(payload);
    const reply = await nats.request(subject, data, { timeout: timeoutMs });
    return decodeMessage<T>(reply.data);
  };
  const requests: OwnerRequests = {
    check: (fields) => send(QUERY_OPERATIONS.check, fields.customer, { env, entity: null, quantity: 1, ...fields }),
    consume: (fields) => send(QUERY_OPERATIONS.consume, fields.customer, { env, entity: null, quantity: 1, ...fields }),
    reserve: (fields) =>
      send(QUERY_OPERATIONS.reserve, fields.customer, { env, entity: null, ttlSeconds: 300, ...fields }),
    commit: (fields) => send(QUERY_OPERATIONS.commitReservation, fields.customer, { env, ...fields }),
    release: (fields) => send(QUERY_OPERATIONS.releaseReservation, fields.customer, { env, ...fields }),
    raw: (operation, customer, payload) => send(operation, customer, payload),
    async waitForDefinition(definition, feature) {
      await eventually(async () => {
        const answer = await requests.check({ customer: definition.customer, feature, quantity: 0 });
        if ("error" in answer) throw new Error(answer.error.message);
        if (answer.result.reason === "customer_not_found") throw new Error("definition not loaded yet");
      }, 15_000);
    },
  };
  return requests;
}

/**
 * Sends until an owner answers other than `unavailable` (no owner yet, a takeover, catching up): the same payload
 * every time, as a sidecar retries.
 */
export async function retrying<T>(send: () => Promise<OwnerAnswer<T>>, timeoutMs = 20_000): Promise<OwnerAnswer<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let answer: OwnerAnswer<T> | undefined;
    let failure: unknown = null;
    try {
      answer = await send();
    } catch (error) {
      failure = error;
    }
    const unavailable = answer !== undefined && isQueryError(answer) && answer.error.code === "unavailable";
    if (answer !== undefined && !unavailable) return answer;
    if (Date.now() > deadline) {
      if (answer !== undefined) return answer;
      throw failure;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function isQueryError(answer: unknown): answer is QueryError {
  return answer !== null && typeof answer === "object" && "error" in answer;
}

/** The reply, or a thrown error when the owner answered a QueryError. */
export function answered<T>(answer: OwnerAnswer<T>): T {
  if (isQueryError(answer)) throw new Error(`${answer.error.code}: ${answer.error.message}`);
  return answer as T;
}
