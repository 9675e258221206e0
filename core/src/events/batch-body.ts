import { type ErrorDetail, LumenError } from "../errors";

/** PRODUCT §9: a batch holds at most 1000 events (the same for a WebSocket frame). */
export const MAX_BATCH_EVENTS = 1000;

/** The events of a batch body: `{"events": [...]}`, or a bare array of events. */
export function readBatchEvents(body: unknown): unknown[] {
  let events: unknown;
  if (Array.isArray(body)) {
    events = body;
  } else if (body !== null && typeof body === "object" && !(body instanceof Uint8Array) && !(body instanceof Date)) {
    const unknown: ErrorDetail[] = Object.keys(body)
      .filter((key) => key !== "events")
      .map((key) => ({ path: key, message: "unknown field" }));
    if (unknown.length > 0) throw new LumenError("validation_error", "The batch has unknown fields", unknown);
    events = (body as { events?: unknown }).events;
  } else {
    throw invalid("", 'must be {"events": [...]} or an array of events');
  }
  if (!Array.isArray(events)) throw invalid("events", "must be an array of events");
  if (events.length > MAX_BATCH_EVENTS) {
    throw invalid("events", `must hold at most ${MAX_BATCH_EVENTS} events; split the batch`);
  }
  return events;
}

function invalid(path: string, message: string): LumenError {
  return new LumenError("validation_error", `${path || "The body"} ${message}`, [{ path, message }]);
}
