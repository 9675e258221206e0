import { fixedClock, partitionOf, type UsageEvent } from "@lumen/core";
import { pack, unpack } from "msgpackr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIngestHarness, type IngestHarness, type RunningIngest, TEST_PARTITIONS } from "./testing/harness";

const NOW = Date.parse("2026-03-10T12:00:00.000Z");

describe("ingest over HTTP", () => {
  let harness: IngestHarness;
  let ingest: RunningIngest;

  beforeAll(async () => {
    harness = await createIngestHarness();
    ingest = await harness.start({ clock: fixedClock(new Date(NOW)) });
  });
  afterAll(() => harness.close());

  const post = (path: string, body: RequestInit["body"], headers: Record<string, string> = {}) =>
    fetch(`${ingest.base}${path}`, {
      method: "POST",
      body,
      headers: { authorization: `Bearer ${harness.keys.live}`, "content-type": "application/json", ...headers },
    });

  async function storedEvents(): Promise<UsageEvent[]> {
    const batches = await harness.readNewBatches();
    for (const { batch, msgId, subject } of batches) {
      expect(msgId).toBe(batch.id);
      expect(batch.v).toBe(1);
      for (const event of batch.events) {
        expect(subject).toBe(harness.names.eventsSubject(event.env, batch.partition));
        expect(batch.partition).toBe(partitionOf(event.env, event.customer, TEST_PARTITIONS));
      }
    }
    return batches.flatMap(({ batch }) => batch.events);
  }

  it("tracks one JSON event and stores it exactly as stamped", async () => {
    const response = await post(
      "/v1/track",
      JSON.stringify({
        customer: "acme",
        feature: "premium-messages",
        entity: "user_42",
        value: 2.5,
        properties: { model: "gpt-5" },
        idempotencyKey: "msg_1",
      }),
    );
    expect(response.status).toBe(202);
    const body = (await response.json()) as { id: string; duplicate: boolean };
    expect(body).toEqual({ id: expect.stringMatching(/^evt_[A-Za-z0-9]{20}$/), duplicate: false });
    expect(await storedEvents()).toEqual([
      {
        id: body.id,
        env: "live",
        customer: "acme",
        feature: "premium-messages",
        event: null,
        entity: "user_42",
        value: 2.5,
        properties: { model: "gpt-5" },
        timestamp: NOW,
        receivedAt: NOW,
        idempotencyKey: "msg_1",
      },
    ]);
  });

  it("tracks one MessagePack event with the caller's timestamp, and the key decides the environment", async () => {
    const response = await post(
      "/v1/track",
      pack({ customer: "acme", event: "message", timestamp: "2026-03-01T00:00:00Z" }),
      { "content-type": "application/msgpack", authorization: `Bearer ${harness.keys.test}` },
    );
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    const [event, ...rest] = await storedEvents();
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      id,
      env: "test",
      customer: "acme",
      event: "message",
      feature: null,
      value: 1,
      timestamp: Date.parse("2026-03-01T00:00:00Z"),
      receivedAt: NOW,
    });
  });

  it("accepts a JSON batch, refusing bad events by index and keeping the others", async () => {
    const events = [
      { customer: "a", feature: "api-calls" },
      { customer: "b", feature: "api-calls", value: "lots" },
      { customer: "c", event: "message", value: 3 },
      { feature: "api-calls" },
      { customer: "d", feature: "api-calls", timestamp: "2026-03-10T12:06:00Z" },
    ];
    const response = await post("/v1/events/batch", JSON.stringify({ events }));
    expect(response.status).toBe(202);
    const body = (await response.json()) as { accepted: number; duplicates: number; rejected: unknown[] };
    expect(body).toEqual({
      accepted: 2,
      duplicates: 0,
      rejected: [
        {
          index: 1,
          error: {
            code: "validation_error",
            message: "Invalid events.1.value: must be a finite number",
            details: [{ path: "events.1.value", message: "must be a finite number" }],
          },
        },
        {
          index: 3,
          error: {
            code: "validation_error",
            message: "Invalid events.3.customer: is required",
            details: [{ path: "events.3.customer", message: "is required" }],
          },
        },
        {
          index: 4,
          error: {
            code: "validation_error",
            message: expect.stringContaining("Invalid events.4.timestamp: must not be more than 5 minutes"),
            details: [{ path: "events.4.timestamp", message: expect.stringContaining("2026-03-10T12:00:00.000Z") }],
          },
        },
      ],
    });
    const stored = await storedEvents();
    expect(stored.map((event) => event.customer).sort()).toEqual(["a", "c"]);
    expect(stored.find((event) => event.customer === "c")).toMatchObject({ event: "message", value: 3, env: "live" });
  });

  it("accepts MessagePack batches as a map or a bare array, and answers in MessagePack when asked", async () => {
    const events = Array.from({ length: 600 }, (_, i) => ({ customer: `cus_${i % 7}`, feature: "tokens", value: i }));
    const asMap = await post("/v1/events/batch", pack({ events: events.slice(0, 300) }), {
      "content-type": "application/msgpack",
      accept: "application/msgpack",
    });
    expect(asMap.status).toBe(202);
    expect(asMap.headers.get("content-type")).toBe("application/msgpack");
    expect(unpack(Buffer.from(await asMap.arrayBuffer()))).toEqual({ accepted: 300, duplicates: 0, rejected: [] });

    const asArray = await post("/v1/events/batch", pack(events.slice(300)), { "content-type": "application/msgpack" });
    expect(asArray.status).toBe(202);
    expect(await asArray.json()).toEqual({ accepted: 300, duplicates: 0, rejected: [] });

    const stored = await storedEvents();
    expect(stored.map((event) => event.value).sort((a, b) => a - b)).toEqual(events.map((event) => event.value));
    expect(new Set(stored.map((event) => event.id)).size).toBe(600);
  });

  it("answers errors in MessagePack too when asked", async () => {
    const response = await post("/v1/track", "{}", { accept: "application/msgpack" });
    expect(response.status).toBe(400);
    expect(unpack(Buffer.from(await response.arrayBuffer()))).toMatchObject({
      error: { code: "validation_error", requestId: expect.stringMatching(/^req_/) },
    });
  });

  it("refuses a single invalid event with 400 and stores nothing", async () => {
    const response = await post("/v1/track", JSON.stringify({ customer: "acme", feature: "x", colour: "red" }));
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: {
        code: "validation_error",
        message: "Invalid colour: unknown field",
        details: [{ path: "colour", message: "unknown field" }],
        requestId: expect.stringMatching(/^req_/),
      },
    });
    expect(await storedEvents()).toEqual([]);
  });

  it.each([
    ["malformed JSON", "/v1/track", "{not json", "application/json"],
    ["malformed MessagePack", "/v1/track", Buffer.from([0xc1]), "application/msgpack"],
    ["truncated MessagePack", "/v1/events/batch", Buffer.from([0x81, 0xa6]), "application/msgpack"],
    ["an empty body", "/v1/events/batch", "", "application/json"],
    ["a batch that is not a list", "/v1/events/batch", JSON.stringify({ events: 3 }), "application/json"],
    ["a batch with unknown fields", "/v1/events/batch", JSON.stringify({ events: [], more: 1 }), "application/json"],
    ["a track body that is a list", "/v1/track", JSON.stringify([{ customer: "a", feature: "b" }]), "application/json"],
  ])("answers %s with 400 validation_error", async (_name, path, body, contentType) => {
    const response = await post(path, body, { "content-type": contentType });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe("validation_error");
  });

  it("refuses more than 1000 events in a batch", async () => {
    const events = Array.from({ length: 1001 }, () => ({ customer: "a", feature: "b" }));
    const response = await post("/v1/events/batch", JSON.stringify({ events }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { details: [{ path: "events" }] } });
    expect(await storedEvents()).toEqual([]);
  });

  it.each([
    ["no Authorization header", undefined],
    ["another scheme", "Basic dXNlcjpwYXNz"],
    ["an unknown key", "Bearer lum_sk_live_unknownunknownunknown"],
    ["something that is not a key", "Bearer hello"],
  ])("answers 401 with %s", async (_name, authorization) => {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (authorization) headers.authorization = authorization;
    const response = await fetch(`${ingest.base}/v1/track`, {
      method: "POST",
      headers,
      body: JSON.stringify({ customer: "a", feature: "b" }),
    });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({
      error: { code: "unauthorized", requestId: expect.stringMatching(/^req_/) },
    });
  });

  it("stops honouring a revoked key within the cache's lifetime", async () => {
    const shortLived = await harness.start({ keyTtlMs: 200 });
    const send = () =>
      fetch(`${shortLived.base}/v1/track`, {
        method: "POST",
        headers: { authorization: `Bearer ${harness.keys.test}` },
        body: JSON.stringify({ customer: "a", feature: "b", timestamp: "2026-01-01T00:00:00Z" }),
      });
    expect((await send()).status).toBe(202);
    await harness.database.pool.query("UPDATE api_keys SET revoked_at = now()");
    try {
      await new Promise((resolve) => setTimeout(resolve, 250));
      expect((await send()).status).toBe(401);
    } finally {
      await harness.database.pool.query("UPDATE api_keys SET revoked_at = NULL");
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
    expect((await send()).status).toBe(202);
    await storedEvents();
  });

  it("stamps test events with the customer's test-clock time, and checks future times against it", async () => {
    const frozen = Date.parse("2027-06-15T08:00:00.000Z");
    await harness.database.pool.query(
      "INSERT INTO test_clocks (env, id, name, frozen_time, created_at) VALUES ('test', 'clk_1', 'c', $1, now())",
      [new Date(frozen)],
    );
    await harness.database.pool.query(
      `INSERT INTO customers (env, id, test_clock_id, created_at, updated_at)
       VALUES ('test', 'on-clock', 'clk_1', now(), now()), ('test', 'no-clock', NULL, now(), now()),
              ('live', 'on-clock', NULL, now(), now())`,
    );
    const send = (key: string, events: unknown[]) =>
      post("/v1/events/batch", JSON.stringify({ events }), { authorization: `Bearer ${key}` });
    const testResponse = await send(harness.keys.test, [
      { customer: "on-clock", feature: "f" },
      { customer: "no-clock", feature: "f" },
      { customer: "unknown", feature: "f" },
      // Within the skew of the clock's time, far past the wall clock: accepted.
      { customer: "on-clock", feature: "f", timestamp: "2027-06-15T08:04:00Z" },
      // Long before the clock's time: a past event, accepted.
      { customer: "on-clock", feature: "f", timestamp: "2026-03-10T12:00:00Z" },
      // Beyond the skew of the clock's time: refused.
      { customer: "on-clock", feature: "f", timestamp: "2027-06-15T08:06:00Z" },
    ]);
    expect(await testResponse.json()).toMatchObject({ accepted: 5, rejected: [{ index: 5 }] });
    const liveResponse = await send(harness.keys.live, [{ customer: "on-clock", feature: "f" }]);
    expect(await liveResponse.json()).toMatchObject({ accepted: 1, rejected: [] });

    const stored = await storedEvents();
    const timesOf = (env: string, customer: string) =>
      stored
        .filter((event) => event.env === env && event.customer === customer)
        .map((event) => event.timestamp)
        .sort();
    expect(timesOf("test", "on-clock")).toEqual(
      [frozen, Date.parse("2027-06-15T08:04:00Z"), Date.parse("2026-03-10T12:00:00Z")].sort(),
    );
    expect(timesOf("test", "no-clock")).toEqual([NOW]);
    expect(timesOf("test", "unknown")).toEqual([NOW]);
    expect(timesOf("live", "on-clock")).toEqual([NOW]);
    for (const event of stored) expect(event.receivedAt).toBe(NOW);
  });

  it("serves /healthz and Prometheus /metrics", async () => {
    expect(await (await fetch(`${ingest.base}/healthz`)).json()).toEqual({ status: "ok", component: "ingest" });
    const metrics = await (await fetch(`${ingest.base}/metrics`)).text();
    expect(metrics).toMatch(/lumen_ingest_events_accepted_total\{endpoint="track"\} \d+/);
    expect(metrics).toMatch(/lumen_ingest_events_rejected_total\{endpoint="batch"\} \d+/);
    expect(metrics).toMatch(/lumen_ingest_batches_published_total \d+/);
    expect(metrics).toMatch(/lumen_ingest_publish_seconds_bucket/);
    expect(metrics).toMatch(/lumen_ingest_queue_depth 0/);
  });
});
