import { decodeBatch, EARLIEST_EVENT_TIME, type UsageEvent } from "@lumen/core";

/** Where a stream message of an owned partition sits. */
export interface BatchPosition {
  partition: number;
  /** The partition's generation when the message was read (see IdempotencyIndex). */
  generation: number;
  /** Stream sequence. */
  seq: number;
  /** When the stream stored the message (ms): everything stored before it is applied once it is. */
  storedAt: number;
}

/**
 * A message as read, kept undecoded until its flush is prepared: waiting batches then cost one buffer each
 * rather than hundreds of objects that the garbage collector would have to carry into its old generation.
 */
export interface ReceivedBatch extends BatchPosition {
  /** Messages of the partition still waiting in the stream after this one, when it was delivered. */
  pending: number;
  data: Uint8Array;
}

export interface DecodedBatch extends BatchPosition {
  /** Empty for a message that does not decode (reported, counted as nothing). */
  events: UsageEvent[];
}

/**
 * The events of a stream message. Ingest validated them; this only guards the aggregator against a message that
 * is not a batch at all, or events missing what the counters need, which are dropped (and reported) rather than
 * stopping the partition forever.
 */
export function decodeEvents(data: Uint8Array): { events: UsageEvent[]; rejected: number } {
  let batch: ReturnType<typeof decodeBatch>;
  try {
    batch = decodeBatch(data);
  } catch {
    return { events: [], rejected: 1 };
  }
  if (!batch || !Array.isArray(batch.events)) return { events: [], rejected: 1 };
  const events = batch.events.filter(isUsageEvent);
  return { events, rejected: batch.events.length - events.length };
}

/** Far beyond any clock skew, well inside what Date and the period math handle. */
const LATEST_EVENT_TIME = Date.UTC(2200, 0, 1);

function isUsageEvent(event: UsageEvent): boolean {
  return (
    typeof event === "object" &&
    event !== null &&
    typeof event.id === "string" &&
    (event.env === "test" || event.env === "live") &&
    typeof event.customer === "string" &&
    (typeof event.feature === "string" || typeof event.event === "string") &&
    (event.entity === null || typeof event.entity === "string") &&
    typeof event.value === "number" &&
    Number.isFinite(event.value) &&
    // An event time no period can place would fail every flush of its partition: such events are skipped
    // (ingest and billing refuse them; this guards against any other writer of the stream).
    Number.isFinite(event.timestamp) &&
    event.timestamp >= EARLIEST_EVENT_TIME &&
    event.timestamp <= LATEST_EVENT_TIME &&
    Number.isFinite(event.receivedAt) &&
    (event.idempotencyKey === null || typeof event.idempotencyKey === "string")
  );
}
