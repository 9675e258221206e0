import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeBatch, encodeBatch } from "./codec";
import { fromSubjectToken, pipelineNames, subjectToken } from "./names";
import { partitionOf } from "./partition";

describe("subject tokens", () => {
  it("escape what subjects and KV keys forbid, reversibly", () => {
    expect(subjectToken("acme")).toBe("acme");
    expect(subjectToken("a.b:c@d=e")).toBe("a=2eb=3ac=40d=3de");
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 40 }), (id) => {
        const token = subjectToken(id);
        expect(token).toMatch(/^[A-Za-z0-9_=-]+$/);
        expect(fromSubjectToken(token)).toBe(id);
      }),
    );
  });

  it("name subjects and buckets from the prefix", () => {
    const names = pipelineNames("lumen");
    expect(names.eventsStream).toBe("LUMEN_EVENTS");
    expect(names.eventsSubject("live", 7)).toBe("lumen.events.live.7");
    expect(names.balancesSubject("test", "acme.eu")).toBe("lumen.balances.test.acme=2eeu");
    expect(names.buckets.balances).toBe("LUMEN_balances");
  });
});

describe("partitionOf", () => {
  it("is stable and within range", () => {
    expect(partitionOf("live", "acme", 16)).toBe(partitionOf("live", "acme", 16));
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: 256 }), (customer, partitions) => {
        const partition = partitionOf("test", customer, partitions);
        expect(partition).toBeGreaterThanOrEqual(0);
        expect(partition).toBeLessThan(partitions);
      }),
    );
  });

  it("spreads customers evenly", () => {
    const counts = new Array(16).fill(0);
    for (let i = 0; i < 16_000; i++) counts[partitionOf("live", `customer_${i}`, 16)]++;
    for (const count of counts) expect(count).toBeGreaterThan(800);
  });
});

describe("batch codec", () => {
  it("round-trips a batch", () => {
    const batch = {
      v: 1 as const,
      id: "bat_1",
      partition: 3,
      events: [
        {
          id: "evt_1",
          env: "test" as const,
          customer: "acme",
          feature: null,
          event: "message",
          entity: "user_1",
          value: 0.5,
          properties: { model: "gpt-5" },
          timestamp: 1_767_225_600_000,
          receivedAt: 1_767_225_600_123,
          idempotencyKey: "k1",
        },
      ],
    };
    expect(decodeBatch(encodeBatch(batch))).toEqual(batch);
  });
});
