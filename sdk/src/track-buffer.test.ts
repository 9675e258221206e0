import { describe, expect, it } from "vitest";
import { Lumen } from "./client";
import { useFakeSidecar } from "./sidecar-fake.test-support";
import type { SidecarTransport, SidecarTransportRequest } from "./sidecar-transport";
import type { TrackDrop } from "./sidecar-types";

const fake = useFakeSidecar();
const { lumenFor } = fake;

const trackRequests = () => fake.sidecar().received.filter((request) => request.path === "/v1/track");
const keysOf = (events: Record<string, unknown>[]) => events.map((event) => event.idempotencyKey);

describe("batching", () => {
  it("sends 1200 tracks as three MessagePack batches, each event once with its own idempotency key", async () => {
    const lumen = lumenFor();
    for (let i = 0; i < 1200; i++) lumen.track({ customer: "acme", feature: "api-calls", value: i });
    await lumen.flush();

    const requests = trackRequests();
    expect(requests.map((request) => (request.body as { events: unknown[] }).events.length)).toEqual([500, 500, 200]);
    expect(requests.every((request) => request.headers["content-type"] === "application/msgpack")).toBe(true);
    const events = fake.sidecar().tracked();
    expect(events.map((event) => event.value)).toEqual(Array.from({ length: 1200 }, (_, i) => i));
    expect(new Set(keysOf(events)).size).toBe(1200);
    expect(lumen.trackStats()).toEqual({ queued: 0, sending: 0, sent: 1200, dropped: 0 });
  });

  it("lets a few events wait flushIntervalMs for company, then sends them in one request", async () => {
    const lumen = lumenFor({ track: { flushIntervalMs: 30 } });
    lumen.track({ customer: "acme", feature: "api-calls" });
    await new Promise((resolve) => setTimeout(resolve, 5));
    lumen.track({ customer: "acme", feature: "api-calls" });
    lumen.track({ customer: "beta", event: "message", properties: { model: "gpt-5" } });
    expect(trackRequests()).toHaveLength(0);

    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(trackRequests()).toHaveLength(1);
    expect(fake.sidecar().tracked()).toHaveLength(3);
  });

  it("keeps the caller's idempotency key, sends a Date as an ISO string and leaves out undefined fields", async () => {
    const lumen = lumenFor();
    lumen.track({
      customer: "acme",
      feature: "api-calls",
      entity: undefined,
      timestamp: new Date("2026-01-05T10:00:00Z"),
      idempotencyKey: "req_81",
    });
    await lumen.flush();
    expect(fake.sidecar().tracked()).toEqual([
      { customer: "acme", feature: "api-calls", timestamp: "2026-01-05T10:00:00.000Z", idempotencyKey: "req_81" },
    ]);
  });

  it("sends the event as it was when tracked, whatever the caller changes afterwards", async () => {
    const lumen = lumenFor();
    const event = { customer: "acme", feature: "api-calls", value: 1, properties: { model: "a" } };
    lumen.track(event);
    event.value = 99;
    event.properties.model = "b";
    await lumen.flush();
    expect(fake.sidecar().tracked()[0]).toMatchObject({ value: 1, properties: { model: "a" } });
  });
});

describe("retries", () => {
  it("resends a batch refused with 503 with the same idempotency keys", async () => {
    fake.sidecar().answer = (_, index) => (index === 0 ? { status: 503, body: {} } : { status: 202, body: {} });
    const lumen = lumenFor();
    for (let i = 0; i < 3; i++) lumen.track({ customer: "acme", feature: "api-calls" });
    await lumen.flush();

    const [first, second] = trackRequests().map((request) => keysOf((request.body as { events: [] }).events));
    expect(trackRequests()).toHaveLength(2);
    expect(first).toHaveLength(3);
    expect(first!.every((key) => typeof key === "string" && key.length > 0)).toBe(true);
    expect(second).toEqual(first);
    expect(fake.sidecar().tracked()).toHaveLength(3);
  });

  it("resends a batch whose connection dropped with the same idempotency keys", async () => {
    fake.sidecar().answer = (_, index) => (index === 0 ? "drop" : { status: 202, body: {} });
    const lumen = lumenFor();
    lumen.track({ customer: "acme", feature: "api-calls" });
    lumen.track({ customer: "acme", feature: "api-calls", idempotencyKey: "mine" });
    await lumen.flush();

    const [first, second] = trackRequests().map((request) => keysOf((request.body as { events: [] }).events));
    expect(trackRequests()).toHaveLength(2);
    expect(second).toEqual(first);
    expect(typeof first![0]).toBe("string");
    expect(first![1]).toBe("mine");
  });

  it("gives up after maxRetries and reports the batch through onDrop", async () => {
    fake.sidecar().answer = () => ({
      status: 500,
      body: { error: { code: "internal", message: "boom", details: [] } },
    });
    const drops: TrackDrop[] = [];
    const lumen = lumenFor({ track: { maxRetries: 1 }, onDrop: (drop) => drops.push(drop) });
    lumen.track({ customer: "acme", feature: "api-calls" });
    await lumen.flush();

    expect(trackRequests()).toHaveLength(2);
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatchObject({ reason: "gave_up", events: [{ customer: "acme" }], error: { code: "internal" } });
    expect(lumen.trackStats()).toMatchObject({ sent: 0, dropped: 1 });
  });

  it("halves a batch refused whole until the bad event is found, and delivers the others", async () => {
    const drops: TrackDrop[] = [];
    const lumen = lumenFor({ onDrop: (drop) => drops.push(drop) });
    for (let i = 0; i < 5; i++) {
      // A bigint cannot be encoded: the HTTP transport answers 400 for the whole batch.
      const properties = i === 3 ? ({ size: 10n } as unknown as Record<string, number>) : { size: i };
      lumen.track({ customer: "acme", feature: "api-calls", properties });
    }
    await lumen.flush();

    expect(
      fake
        .sidecar()
        .tracked()
        .map((event) => (event.properties as { size: number }).size),
    ).toEqual([0, 1, 2, 4]);
    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatchObject({ reason: "rejected", error: { code: "validation_error" } });
  });

  it("reports the events the sidecar lists as rejected and counts the others as sent", async () => {
    fake.sidecar().answer = () => ({
      status: 202,
      body: {
        queued: 1,
        rejected: [{ index: 1, error: { code: "validation_error", message: "Invalid value", details: [] } }],
      },
    });
    const drops: TrackDrop[] = [];
    const lumen = lumenFor({ onDrop: (drop) => drops.push(drop) });
    lumen.track({ customer: "acme", feature: "api-calls" });
    lumen.track({ customer: "acme", feature: "api-calls", value: Number.NaN });
    await lumen.flush();

    expect(drops).toHaveLength(1);
    expect(drops[0]).toMatchObject({ reason: "rejected", events: [{ customer: "acme" }] });
    expect(drops[0]!.error?.message).toBe("Invalid value");
    expect(lumen.trackStats()).toMatchObject({ sent: 1, dropped: 1 });
  });
});

describe("flush and close", () => {
  it("flush resolves once everything queued is accepted, while later events wait for their own batch", async () => {
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    fake.sidecar().answer = async () => {
      await held;
      return { status: 202, body: {} };
    };
    const lumen = lumenFor({ track: { flushIntervalMs: 10_000 } });
    lumen.track({ customer: "acme", feature: "api-calls" });
    let flushed = false;
    const flushing = lumen.flush().then(() => {
      flushed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(flushed).toBe(false);
    expect(lumen.trackStats()).toMatchObject({ sending: 1 });

    release();
    await flushing;
    expect(fake.sidecar().tracked()).toHaveLength(1);
  });

  it("close delivers everything queued, then drops later tracks as closed without throwing", async () => {
    const drops: TrackDrop[] = [];
    const lumen = new Lumen({
      sidecarUrl: fake.sidecar().url,
      track: { flushIntervalMs: 10_000 },
      onDrop: (drop) => drops.push(drop),
    });
    for (let i = 0; i < 7; i++) lumen.track({ customer: "acme", feature: "api-calls" });
    await lumen.close();
    expect(fake.sidecar().tracked()).toHaveLength(7);

    expect(() => lumen.track({ customer: "acme", feature: "api-calls" })).not.toThrow();
    expect(drops).toEqual([{ events: [{ customer: "acme", feature: "api-calls" }], reason: "closed" }]);
    await lumen.flush();
    expect(trackRequests()).toHaveLength(1);
  });

  it("flushes on beforeExit only when asked to, and forgets the hook on close", async () => {
    const before = process.listenerCount("beforeExit");
    const plain = lumenFor();
    plain.track({ customer: "acme", feature: "api-calls" });
    expect(process.listenerCount("beforeExit")).toBe(before);

    const flushing = lumenFor({ track: { flushOnExit: true, flushIntervalMs: 10_000 } });
    flushing.track({ customer: "acme", feature: "api-calls", idempotencyKey: "on-exit" });
    expect(process.listenerCount("beforeExit")).toBe(before + 1);
    // Call the hook itself: emitting beforeExit would also wake the test runner's own listeners.
    const hook = process.listeners("beforeExit").at(-1)!;
    hook(0);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(keysOf(fake.sidecar().tracked())).toContain("on-exit");

    await flushing.close();
    expect(process.listenerCount("beforeExit")).toBe(before);
  });
});

describe("the bounded queue", () => {
  it("drops the oldest events when full and reports each", async () => {
    const drops: TrackDrop[] = [];
    const lumen = lumenFor({ track: { maxQueue: 3, flushIntervalMs: 10_000 }, onDrop: (drop) => drops.push(drop) });
    for (let i = 1; i <= 5; i++) lumen.track({ customer: "acme", feature: "api-calls", value: i });
    expect(drops.map((drop) => [drop.reason, drop.events[0]!.value])).toEqual([
      ["queue_full", 1],
      ["queue_full", 2],
    ]);
    await lumen.flush();

    expect(
      fake
        .sidecar()
        .tracked()
        .map((event) => event.value),
    ).toEqual([3, 4, 5]);
    expect(lumen.trackStats()).toEqual({ queued: 0, sending: 0, sent: 3, dropped: 2 });
  });

  it("never throws at the caller: a non-object event and a throwing hook are absorbed", async () => {
    const lumen = lumenFor({
      onDrop: () => {
        throw new Error("hook failed");
      },
    });
    expect(() => lumen.track(null as never)).not.toThrow();
    expect(() => lumen.track({ customer: "acme", feature: "x", timestamp: new Date(Number.NaN) })).not.toThrow();
    expect(lumen.trackStats().dropped).toBe(2);
  });

  it("refuses settings it cannot honour when the client is made", () => {
    expect(() => new Lumen({ track: { maxBatch: 1001 } })).toThrow(RangeError);
    expect(() => new Lumen({ track: { maxQueue: 0 } })).toThrow(RangeError);
  });
});

describe("an in-process transport", () => {
  it("receives the batch as an object marked for MessagePack, and no HTTP request is made", async () => {
    const calls: SidecarTransportRequest[] = [];
    const transport: SidecarTransport = {
      async request(request) {
        calls.push(request);
        return { status: 202, body: { queued: 2 } };
      },
    };
    const lumen = lumenFor({ sidecar: transport });
    lumen.track({ customer: "acme", feature: "api-calls" });
    lumen.track({ customer: "acme", feature: "api-calls" });
    await lumen.flush();

    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ method: "POST", path: "/v1/track", contentType: "application/msgpack" });
    expect((calls[0]!.body as { events: unknown[] }).events).toHaveLength(2);
    expect(fake.sidecar().received).toHaveLength(0);
  });
});
