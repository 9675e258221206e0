import type { UsageEvent } from "@lumen/core";
import { describe, expect, it } from "vitest";
import type { OwnEvent } from "../cache/customer-entry";
import { TrackQueue } from "./track-queue";

const event = (id: string): UsageEvent => ({
  id,
  env: "test",
  customer: "acme",
  feature: "messages",
  event: null,
  entity: null,
  value: 1,
  properties: null,
  timestamp: 0,
  receivedAt: 0,
  idempotencyKey: id,
});
const own = (id: string): OwnEvent => ({ id, usage: [], sequence: null, trackedAt: 0 });

describe("the track queue", () => {
  it("resends refused events with the same ids until the stream confirms them, and says their sequence", async () => {
    const sent: string[][] = [];
    let failures = 2;
    const queue = new TrackQueue({
      publisher: {
        publish: async (events) => {
          sent.push(events.map((item) => item.id));
          if (failures-- > 0) throw new Error("stream away");
          return events.map(() => 42);
        },
        queuedEvents: 0,
        close: async () => {},
      },
      retryDelayMs: 1,
    });
    const mine = own("evt_1");
    queue.enqueue([{ event: event("evt_1"), own: mine }]);
    await expect(queue.settledSequence("test", "acme")).resolves.toBe(42);
    expect(sent).toEqual([["evt_1"], ["evt_1"], ["evt_1"]]);
    expect(mine.sequence).toBe(42);
    expect(await queue.flush()).toBe(true);
  });

  it("answers unavailable, not never, when a consume waits on events the stream keeps refusing", async () => {
    const queue = new TrackQueue({
      publisher: {
        publish: async () => {
          throw new Error("stream away");
        },
        queuedEvents: 0,
        close: async () => {},
      },
      retryDelayMs: 1,
      maxRetryDelayMs: 5,
    });
    queue.enqueue([{ event: event("evt_2"), own: own("evt_2") }]);
    await expect(queue.settledSequence("test", "acme", 50)).rejects.toMatchObject({ code: "unavailable" });
    expect(await queue.close(20)).toBe(false);
  });
});
