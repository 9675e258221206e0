import { Packr } from "msgpackr";
import type { UsageEvent } from "../events/usage-event";

/** One JetStream message: the events of one partition coalesced by one receiver. */
export interface EventBatch {
  v: 1;
  /** Also the `Nats-Msg-Id`: a republished batch is dropped by the stream's duplicate window. */
  id: string;
  partition: number;
  events: UsageEvent[];
}

// Records make repeated object shapes compact; each message carries its own structures, so any reader
// decodes any writer's messages.
const packr = new Packr({ useRecords: true });

export function encodeBatch(batch: EventBatch): Uint8Array {
  return packr.pack(batch);
}

export function decodeBatch(bytes: Uint8Array): EventBatch {
  return packr.unpack(bytes) as EventBatch;
}

/** General msgpack for request/reply payloads between components. */
export function encodeMessage(value: unknown): Uint8Array {
  return packr.pack(value);
}

export function decodeMessage<T>(bytes: Uint8Array): T {
  return packr.unpack(bytes) as T;
}
