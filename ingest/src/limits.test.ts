import { request as httpRequest } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIngestHarness, type IngestHarness, type RunningIngest } from "./testing/harness";

describe("ingest's limits", () => {
  let harness: IngestHarness;
  let ingest: RunningIngest;

  beforeAll(async () => {
    harness = await createIngestHarness();
    ingest = await harness.start();
  });
  afterAll(() => harness.close());

  const post = (path: string, body: RequestInit["body"], headers: Record<string, string> = {}) =>
    fetch(`${ingest.base}${path}`, {
      method: "POST",
      body,
      headers: { authorization: `Bearer ${harness.keys.live}`, "content-type": "application/json", ...headers },
    });
  const storedEvents = () => harness.readNewBatches();

  it("answers 413 for a track body over 1 MB, from the Content-Length alone", async () => {
    const big = JSON.stringify({ customer: "a", feature: "b", properties: { x: "y".repeat(1024 * 1024) } });
    const response = await post("/v1/track", big);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: { code: "payload_too_large" } });
  });

  it("answers 413 for a chunked batch body once it passes 8 MB, without reading the rest", async () => {
    const { status, body, bytesSent } = await sendChunked(
      ingest.server.port,
      "/v1/events/batch",
      harness.keys.live,
      64,
    );
    expect(status).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ error: { code: "payload_too_large" } });
    // 8 MB read, plus what the kernel's socket buffers took before the connection closed.
    expect(bytesSent).toBeLessThan(24 * 1024 * 1024);
  });

  it("answers 429 with Retry-After when the publisher's queue is full", async () => {
    const stalled = await harness.start({
      publisher: { js: { publish: () => new Promise(() => {}) }, maxQueuedEvents: 10, lingerMs: 0 },
    });
    const send = (count: number) =>
      fetch(`${stalled.base}/v1/events/batch`, {
        method: "POST",
        headers: { authorization: `Bearer ${harness.keys.live}` },
        body: JSON.stringify({ events: Array.from({ length: count }, () => ({ customer: "a", feature: "b" })) }),
        signal: AbortSignal.timeout(2_000),
      }).catch((error: Error) => error);
    // These wait forever for a PubAck that never comes, holding 8 of the 10 places.
    void send(8);
    await expect.poll(() => stalled.publisher.queuedEvents).toBe(8);
    const response = await send(5);
    expect(response).toBeInstanceOf(Response);
    const refused = response as Response;
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(await refused.json()).toMatchObject({ error: { code: "rate_limited" } });
  });

  it("answers 429 when the server holds as many request bytes as it may, and gives them all back", async () => {
    const small = await harness.start({ limits: { inFlightBytes: 4_000 } });
    const send = (count: number) =>
      fetch(`${small.base}/v1/events/batch`, {
        method: "POST",
        headers: { authorization: `Bearer ${harness.keys.live}` },
        body: JSON.stringify({ events: Array.from({ length: count }, () => ({ customer: "a", feature: "b" })) }),
      });
    expect((await send(10)).status).toBe(202);
    const refused = await send(200);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect((await send(10)).status).toBe(202);
    expect(small.ctx.budget.used).toBe(0);
    await storedEvents();
  });

  it("gives back the bytes of every request, answered, refused or aborted", async () => {
    const sends = Array.from({ length: 30 }, (_, i) =>
      fetch(`${ingest.base}/v1/events/batch`, {
        method: "POST",
        headers: { authorization: `Bearer ${i % 3 === 0 ? "lum_sk_live_wrongwrongwrong" : harness.keys.live}` },
        body: i % 5 === 0 ? "{broken" : JSON.stringify({ events: [{ customer: `c${i}`, feature: "b" }] }),
        signal: i % 7 === 0 ? AbortSignal.timeout(1) : undefined,
      }).catch(() => null),
    );
    await Promise.all(sends);
    await expect.poll(() => ingest.ctx.budget.used).toBe(0);
    await storedEvents();
  });

  it("answers 500, never 202, when the stream does not confirm", async () => {
    const broken = await harness.start({
      publisher: { js: { publish: () => Promise.reject(new Error("no responders")) }, maxAttempts: 2, retryDelayMs: 1 },
    });
    const response = await fetch(`${broken.base}/v1/track`, {
      method: "POST",
      headers: { authorization: `Bearer ${harness.keys.live}` },
      body: JSON.stringify({ customer: "a", feature: "b" }),
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toMatchObject({ error: { code: "internal" } });
  });
});

/** Streams `megabytes` of a batch body in chunks without a Content-Length; stops when the server answers. */
function sendChunked(
  port: number,
  path: string,
  key: string,
  megabytes: number,
): Promise<{ status: number; body: string; bytesSent: number }> {
  return new Promise((resolve, reject) => {
    let bytesSent = 0;
    let answered = false;
    const request = httpRequest(
      { host: "127.0.0.1", port, path, method: "POST", headers: { authorization: `Bearer ${key}` } },
      (response) => {
        answered = true;
        let body = "";
        response.on("data", (chunk: Buffer) => {
          body += chunk.toString("utf8");
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, body, bytesSent }));
      },
    );
    request.on("error", (error) => {
      if (!answered) reject(error);
    });
    const chunk = Buffer.alloc(256 * 1024, 0x20);
    const pump = () => {
      while (!answered && bytesSent < megabytes * 1024 * 1024) {
        bytesSent += chunk.length;
        if (!request.write(chunk)) {
          request.once("drain", pump);
          return;
        }
      }
      if (!answered) request.end();
    };
    pump();
  });
}
