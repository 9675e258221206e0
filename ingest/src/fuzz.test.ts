import fc from "fast-check";
import { pack } from "msgpackr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIngestHarness, type IngestHarness, type RunningIngest } from "./testing/harness";
import { WsClient } from "./testing/ws-client";

// Things that look like events, with every field possibly of the wrong type: reaches deeper validation than
// random bytes do.
const eventLike = fc.record(
  {
    customer: fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.constant(null), fc.constant("acme")),
    feature: fc.oneof(fc.string({ maxLength: 20 }), fc.constant("api-calls"), fc.boolean()),
    event: fc.oneof(fc.string({ maxLength: 300 }), fc.constant(null)),
    entity: fc.oneof(fc.string({ maxLength: 20 }), fc.double()),
    value: fc.oneof(fc.double(), fc.integer(), fc.string(), fc.constant(null)),
    properties: fc.oneof(fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 })), fc.jsonValue()),
    timestamp: fc.oneof(
      fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
      fc.date({ noInvalidDate: true }),
      fc.string(),
      fc.integer(),
    ),
    idempotencyKey: fc.oneof(fc.string({ maxLength: 300 }), fc.integer()),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);

const validEvent = fc.record({
  customer: fc.constantFrom("acme", "globex", "a.b:c@d"),
  feature: fc.constantFrom("api-calls", "tokens"),
  value: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
});

const jsonBody = fc.oneof(
  validEvent.map((event) => JSON.stringify(event)),
  fc.array(fc.oneof(validEvent, eventLike), { maxLength: 20 }).map((events) => JSON.stringify({ events })),
  fc.jsonValue().map((value) => JSON.stringify(value)),
  eventLike.map((event) => JSON.stringify(event)),
  fc.array(eventLike, { maxLength: 20 }).map((events) => JSON.stringify({ events })),
  fc.string(),
);

const msgpackBody = fc.oneof(
  validEvent.map((event) => pack(event)),
  fc.array(fc.oneof(validEvent, eventLike), { maxLength: 20 }).map((events) => pack(events)),
  fc.uint8Array({ maxLength: 512 }),
  fc.jsonValue().map((value) => pack(value)),
  eventLike.map((event) => pack(event)),
  fc.array(eventLike, { maxLength: 20 }).map((events) => pack(events)),
  fc.array(eventLike, { maxLength: 20 }).map((events) => pack({ events })),
);

const requestArbitrary = fc.oneof(
  fc.record({ path: fc.constantFrom("/v1/track", "/v1/events/batch"), type: fc.constant("json"), body: jsonBody }),
  fc.record({
    path: fc.constantFrom("/v1/track", "/v1/events/batch"),
    type: fc.constant("msgpack"),
    body: msgpackBody,
  }),
);

describe("random bodies against every ingest endpoint", () => {
  let harness: IngestHarness;
  let ingest: RunningIngest;

  beforeAll(async () => {
    harness = await createIngestHarness();
    ingest = await harness.start();
  });
  afterAll(() => harness.close());

  it("answers HTTP requests with 202 or a 4xx envelope, never a 5xx", async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(requestArbitrary, fc.boolean(), fc.boolean(), async (request, testKey, msgpackAnswer) => {
        const response = await fetch(`${ingest.base}${request.path}`, {
          method: "POST",
          body: request.body,
          headers: {
            authorization: `Bearer ${testKey ? harness.keys.test : harness.keys.live}`,
            "content-type": request.type === "json" ? "application/json" : "application/msgpack",
            ...(msgpackAnswer ? { accept: "application/msgpack" } : {}),
          },
        });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect([202, 400]).toContain(response.status);
      }),
      { numRuns: 300 },
    );
    // The generators reach both outcomes.
    expect(statuses.get(202)).toBeGreaterThan(10);
    expect(statuses.get(400)).toBeGreaterThan(10);
    expect((await fetch(`${ingest.base}/healthz`)).status).toBe(200);
  });

  it.each([
    ["deeply nested JSON", "application/json", Buffer.from("[".repeat(200_000))],
    ["deeply nested MessagePack", "application/msgpack", Buffer.alloc(200_000, 0x91)],
  ])("answers %s with 400, and the decoder keeps working", async (_name, contentType, body) => {
    for (const path of ["/v1/track", "/v1/events/batch"]) {
      const response = await fetch(`${ingest.base}${path}`, {
        method: "POST",
        body,
        headers: { authorization: `Bearer ${harness.keys.live}`, "content-type": contentType },
      });
      expect(response.status).toBe(400);
    }
    const after = await fetch(`${ingest.base}/v1/track`, {
      method: "POST",
      body: pack({ customer: "acme", feature: "api-calls" }),
      headers: { authorization: `Bearer ${harness.keys.live}`, "content-type": "application/msgpack" },
    });
    expect(after.status).toBe(202);
  });

  it("answers every random WebSocket frame in order with an answer or a rejection", async () => {
    const client = await WsClient.open(`${ingest.ws}/v1/events/stream`, {
      authorization: `Bearer ${harness.keys.test}`,
    });
    if ("refused" in client) throw new Error("refused");
    const frames = fc.sample(
      fc.oneof(
        msgpackBody.map((data) => ({ binary: true as const, data })),
        fc.string().map((text) => ({ binary: false as const, text })),
      ),
      400,
    );
    // Windows of 50 unanswered frames: a client that floods past the server's limit is closed (1013).
    for (let start = 0; start < frames.length; start += 50) {
      const window = frames.slice(start, start + 50);
      for (const frame of window) {
        if (frame.binary) client.sendBinary(frame.data);
        else client.sendText(frame.text);
      }
      for (let seq = start + 1; seq <= start + window.length; seq++) {
        const answer = await client.nextJson<{ seq: number; accepted?: number; error?: { code: string } }>();
        expect(answer.seq).toBe(seq);
        if (answer.error) expect(answer.error.code).toBe("validation_error");
        else expect(answer.accepted).toBeGreaterThanOrEqual(0);
      }
    }
    client.close();
    expect((await fetch(`${ingest.base}/healthz`)).status).toBe(200);
  });
});
