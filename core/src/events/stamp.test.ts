import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { customersToCheckForClosedPeriods, stampEvents } from "./stamp";
import { MAX_FUTURE_SKEW_MS, type TrackInput } from "./usage-event";

const NOW = Date.parse("2026-03-10T12:00:00.000Z");

function input(overrides: Partial<TrackInput> = {}): TrackInput {
  return {
    customer: "acme",
    feature: "api-calls",
    event: null,
    entity: null,
    value: 1,
    properties: null,
    timestamp: null,
    idempotencyKey: null,
    ...overrides,
  };
}

describe("stampEvents", () => {
  it("gives each event an evt_ id, the environment and the receive time", () => {
    const { events, rejected } = stampEvents({
      inputs: [input({ entity: "u1", properties: { model: "gpt-5" }, idempotencyKey: "k" }), input()],
      env: "live",
      receivedAt: NOW,
    });
    expect(rejected).toEqual([]);
    expect(events[0]).toEqual({
      id: expect.stringMatching(/^evt_[A-Za-z0-9]{20}$/),
      env: "live",
      customer: "acme",
      feature: "api-calls",
      event: null,
      entity: "u1",
      value: 1,
      properties: { model: "gpt-5" },
      timestamp: NOW,
      receivedAt: NOW,
      idempotencyKey: "k",
    });
    expect(events[1]?.id).not.toBe(events[0]?.id);
  });

  it("keeps the caller's timestamp, past or slightly ahead", () => {
    const past = NOW - 86_400_000;
    const ahead = NOW + MAX_FUTURE_SKEW_MS;
    const { events } = stampEvents({
      inputs: [input({ timestamp: past }), input({ timestamp: ahead })],
      env: "test",
      receivedAt: NOW,
    });
    expect(events.map((event) => event.timestamp)).toEqual([past, ahead]);
    expect(events.map((event) => event.receivedAt)).toEqual([NOW, NOW]);
  });

  it("uses the customer's test-clock time when the caller gave none", () => {
    const frozen = Date.parse("2027-01-01T00:00:00Z");
    const { events } = stampEvents({
      inputs: [input({ customer: "on-clock" }), input({ customer: "other" })],
      env: "test",
      receivedAt: NOW,
      clockTimes: new Map([["on-clock", frozen]]),
    });
    expect(events.map((event) => [event.customer, event.timestamp, event.receivedAt])).toEqual([
      ["on-clock", frozen, NOW],
      ["other", NOW, NOW],
    ]);
  });

  it("refuses, by index, events further ahead of the customer's time than the skew allows", () => {
    const frozen = Date.parse("2025-01-01T00:00:00Z");
    const { events, rejected } = stampEvents({
      inputs: [
        input({ timestamp: NOW + MAX_FUTURE_SKEW_MS + 1 }),
        input({ customer: "on-clock", timestamp: NOW }),
        input({ customer: "on-clock", timestamp: frozen + MAX_FUTURE_SKEW_MS }),
        input({ customer: "on-clock" }),
      ],
      env: "test",
      receivedAt: NOW,
      clockTimes: new Map([["on-clock", frozen]]),
    });
    expect(rejected.map((rejection) => rejection.index)).toEqual([0, 1]);
    expect(rejected[1]?.details).toEqual([
      { path: "timestamp", message: expect.stringContaining("(2025-01-01T00:00:00.000Z)") },
    ]);
    expect(events.map((event) => event.timestamp)).toEqual([frozen + MAX_FUTURE_SKEW_MS, frozen]);
  });

  it("refuses dated events of a period whose invoice is final, and only those", () => {
    const closed = Date.parse("2026-03-01T00:00:00.000Z");
    const inputs = [
      input({ timestamp: closed - 1 }),
      input({ timestamp: closed }),
      input(),
      input({ customer: "other", timestamp: closed - 1 }),
    ];
    expect(customersToCheckForClosedPeriods(inputs)).toEqual(["acme", "other"]);
    const { events, rejected } = stampEvents({
      inputs,
      env: "live",
      receivedAt: NOW,
      closedThrough: new Map([["acme", closed]]),
    });
    expect(rejected.map((refusal) => [refusal.index, refusal.details[0]?.path])).toEqual([[0, "timestamp"]]);
    expect(rejected[0]?.details[0]?.message).toContain("2026-03-01T00:00:00.000Z");
    expect(events.map((event) => event.timestamp)).toEqual([closed, NOW, closed - 1]);
  });

  it("accounts for every input exactly once, in order", () => {
    fc.assert(
      fc.property(
        fc.array(fc.option(fc.integer({ min: NOW - 1e9, max: NOW + 2 * MAX_FUTURE_SKEW_MS }), { nil: null })),
        (timestamps) => {
          const inputs = timestamps.map((timestamp, index) => input({ timestamp, customer: `c${index}` }));
          const { events, rejected } = stampEvents({ inputs, env: "live", receivedAt: NOW });
          expect(events.length + rejected.length).toBe(inputs.length);
          const rejectedIndexes = new Set(rejected.map((rejection) => rejection.index));
          const kept = inputs.filter((_, index) => !rejectedIndexes.has(index));
          expect(events.map((event) => event.customer)).toEqual(kept.map((item) => item.customer));
          for (const event of events) expect(event.timestamp).toBeLessThanOrEqual(NOW + MAX_FUTURE_SKEW_MS);
        },
      ),
    );
  });
});
