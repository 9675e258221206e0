import { encodeBatch, type UsageEvent } from "@lumen/core";
import { describe, expect, it } from "vitest";
import { decodeEvents } from "./received-batch";

const event = (overrides: Partial<UsageEvent> = {}): UsageEvent => ({
  id: "evt_1",
  env: "live",
  customer: "acme",
  feature: "api-calls",
  event: null,
  entity: null,
  value: 1,
  properties: null,
  timestamp: Date.UTC(2026, 0, 1),
  receivedAt: Date.UTC(2026, 0, 1),
  idempotencyKey: null,
  ...overrides,
});

describe("decodeEvents", () => {
  it("skips events no period can place, keeping the rest of the batch", () => {
    const bytes = encodeBatch({
      v: 1,
      id: "bat_1",
      partition: 0,
      events: [event(), event({ id: "evt_early", timestamp: -8.64e15 }), event({ id: "evt_far", timestamp: 8.64e15 })],
    });
    const decoded = decodeEvents(bytes);
    expect(decoded.events.map((e) => e.id)).toEqual(["evt_1"]);
    expect(decoded.rejected).toBe(2);
  });

  it("rejects bytes that are not a batch", () => {
    expect(decodeEvents(new Uint8Array([0xc1]))).toEqual({ events: [], rejected: 1 });
  });
});
