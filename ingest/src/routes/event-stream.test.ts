import { pack } from "msgpackr";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIngestHarness, type IngestHarness, type RunningIngest } from "../testing/harness";
import { WsClient, type WsUpgradeRefused } from "../testing/ws-client";

describe("the WebSocket event stream", () => {
  let harness: IngestHarness;
  let ingest: RunningIngest;
  const clients: WsClient[] = [];

  beforeAll(async () => {
    harness = await createIngestHarness();
    ingest = await harness.start();
  });
  afterAll(async () => {
    for (const client of clients) client.close();
    await harness.close();
  });

  async function open(query = "", headers: Record<string, string> = { authorization: `Bearer ${harness.keys.live}` }) {
    const client = await WsClient.open(`${ingest.ws}/v1/events/stream${query}`, headers);
    if ("refused" in client) throw new Error(`upgrade refused: ${client.status} ${client.body}`);
    clients.push(client);
    return client;
  }

  it("answers every frame in order with its seq once its events are in the stream", async () => {
    const client = await open();
    const frames = 20;
    for (let frame = 0; frame < frames; frame++) {
      const events = Array.from({ length: 1 + ((frame * 37) % 200) }, (_, i) => ({
        customer: `cus_${(frame + i) % 9}`,
        feature: "tokens",
        value: frame * 1000 + i,
      }));
      client.sendBinary(frame % 2 === 0 ? pack(events) : pack({ events }));
    }
    let expectedTotal = 0;
    for (let frame = 0; frame < frames; frame++) {
      const answer = await client.nextJson();
      const count = 1 + ((frame * 37) % 200);
      expectedTotal += count;
      expect(answer).toEqual({ seq: frame + 1, accepted: count, duplicates: 0, rejected: [] });
    }
    const stored = (await harness.readNewBatches()).flatMap(({ batch }) => batch.events);
    expect(stored).toHaveLength(expectedTotal);
    expect(new Set(stored.map((event) => event.value)).size).toBe(expectedTotal);
    for (const event of stored) expect(event.env).toBe("live");
  });

  it("answers a malformed frame with an error and keeps the connection open", async () => {
    const client = await open();
    client.sendBinary(Buffer.from([0xc1, 0x00]));
    client.sendText('[{"customer": "a", "feature": "b"}]');
    client.sendBinary(pack({ events: [{ customer: "a", feature: "b" }], extra: true }));
    client.sendBinary(
      pack([
        { customer: "a", feature: "b" },
        { customer: "", feature: "b" },
      ]),
    );
    expect(await client.nextJson()).toMatchObject({ seq: 1, error: { code: "validation_error" } });
    expect(await client.nextJson()).toMatchObject({
      seq: 2,
      error: { code: "validation_error", message: "Frames must be binary MessagePack batches" },
    });
    expect(await client.nextJson()).toMatchObject({ seq: 3, error: { details: [{ path: "extra" }] } });
    expect(await client.nextJson()).toEqual({
      seq: 4,
      accepted: 1,
      duplicates: 0,
      rejected: [{ index: 1, error: expect.objectContaining({ code: "validation_error" }) }],
    });
    expect(await harness.readNewBatches()).toHaveLength(1);
  });

  it("authenticates with ?key= for clients that cannot set headers, in the key's environment", async () => {
    const client = await open(`?key=${harness.keys.test}`, {});
    client.sendBinary(pack([{ customer: "a", feature: "b", timestamp: "2026-01-01T00:00:00Z" }]));
    expect(await client.nextJson()).toMatchObject({ seq: 1, accepted: 1 });
    const [stored] = await harness.readNewBatches();
    expect(stored?.batch.events[0]?.env).toBe("test");
  });

  it.each([
    ["no key", {}, ""],
    ["an unknown key", { authorization: "Bearer lum_sk_live_nobodyhasthiskey" }, ""],
    ["an unknown key in the query", {}, "?key=lum_sk_live_nobodyhasthiskey"],
  ])("refuses the upgrade with 401 for %s", async (_name, headers, query) => {
    const refused = (await WsClient.open(`${ingest.ws}/v1/events/stream${query}`, headers)) as WsUpgradeRefused;
    expect(refused.refused).toBe(true);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ error: { code: "unauthorized", requestId: expect.any(String) } });
  });

  it("closes with 1013 when a client keeps sending while too much is unanswered", async () => {
    const stalled = await harness.start({
      publisher: { js: { publish: () => new Promise(() => {}) } },
      limits: { streamPendingFrames: 3 },
    });
    const client = await WsClient.open(`${stalled.ws}/v1/events/stream`, {
      authorization: `Bearer ${harness.keys.live}`,
    });
    if ("refused" in client) throw new Error("refused");
    for (let frame = 0; frame < 5; frame++) client.sendBinary(pack([{ customer: "a", feature: "b" }]));
    expect(await client.closed()).toEqual({ code: 1013, reason: expect.stringContaining("wait for answers") });
  });

  it("answers rate_limited frames when the publisher's queue is full, and stays open", async () => {
    const stalled = await harness.start({
      publisher: { js: { publish: () => new Promise(() => {}) }, maxQueuedEvents: 5, lingerMs: 0 },
    });
    const client = await WsClient.open(`${stalled.ws}/v1/events/stream`, {
      authorization: `Bearer ${harness.keys.live}`,
    });
    if ("refused" in client) throw new Error("refused");
    clients.push(client);
    client.sendBinary(pack(Array.from({ length: 10 }, () => ({ customer: "a", feature: "b" }))));
    expect(await client.nextJson()).toMatchObject({ seq: 1, error: { code: "rate_limited" } });
  });

  it("answers rate_limited when the server holds as many bytes as it may", async () => {
    const small = await harness.start({ limits: { inFlightBytes: 100 } });
    const client = await WsClient.open(`${small.ws}/v1/events/stream`, {
      authorization: `Bearer ${harness.keys.live}`,
    });
    if ("refused" in client) throw new Error("refused");
    clients.push(client);
    client.sendBinary(pack(Array.from({ length: 20 }, () => ({ customer: "a", feature: "b" }))));
    client.sendBinary(pack([{ customer: "a", feature: "b" }]));
    expect(await client.nextJson()).toMatchObject({ seq: 1, error: { code: "rate_limited" } });
    expect(await client.nextJson()).toMatchObject({ seq: 2, accepted: 1 });
    expect(small.ctx.budget.used).toBe(0);
    await harness.readNewBatches();
  });

  it("closes a connection whose key was revoked, after answering the frame with 401", async () => {
    const shortLived = await harness.start({ keyTtlMs: 100 });
    const client = await WsClient.open(`${shortLived.ws}/v1/events/stream`, {
      authorization: `Bearer ${harness.keys.live}`,
    });
    if ("refused" in client) throw new Error("refused");
    await harness.database.pool.query("UPDATE api_keys SET revoked_at = now() WHERE env = 'live'");
    try {
      await new Promise((resolve) => setTimeout(resolve, 150));
      client.sendBinary(pack([{ customer: "a", feature: "b" }]));
      expect(await client.nextJson()).toMatchObject({ seq: 1, error: { code: "unauthorized" } });
      expect((await client.closed()).code).toBe(1008);
    } finally {
      await harness.database.pool.query("UPDATE api_keys SET revoked_at = NULL");
    }
    expect(await harness.readNewBatches()).toEqual([]);
  });
});
