/**
 * Load generator for the ingest tier, and the raw JetStream publish rate to compare it with (issue 3's
 * performance goals). Reusable by the bench harness: `runIngestLoad` drives a running ingest for N seconds,
 * `measureRawPublish` measures the same NATS server with 500-event msgpack messages.
 *
 * Run on its own, it sets up a world of its own (NATS prefix, billing database with a live key, an ingest
 * process started as `npm start` starts it), measures, prints a table and removes everything:
 *   npx tsx bench/ingest-load.ts [seconds per figure, default 10]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath, pathToFileURL } from "node:url";
import { encodeBatch, newId, pipelineNames, type UsageEvent } from "@lumen/core";
import { connectJetStream, deleteEventsStream, ensureEventsStream } from "@lumen/core/runtime";
import { pack } from "msgpackr";
import { WsClient } from "../ingest/src/testing/ws-client";
import { nodeHttpSender, rawSender } from "./http-load-clients";

export type IngestLoadMode = "track-json" | "batch-msgpack" | "stream-msgpack";

export interface IngestLoadOptions {
  /** Base URL of a running ingest, e.g. http://127.0.0.1:8081. */
  url: string;
  key: string;
  mode: IngestLoadMode;
  seconds: number;
  /** HTTP connections (or WebSocket connections for the stream). Default 64 for track, 8 otherwise. */
  connections?: number;
  /** Events per batch or frame (default 500). */
  batchSize?: number;
  /** Unanswered frames per WebSocket connection (default 4). */
  framesInFlight?: number;
  /** `raw`: a minimal keep-alive HTTP/1.1 client over node:net (default; the cheapest client we could write);
   *  `node-http`: node:http with a keep-alive Agent. */
  client?: "raw" | "node-http";
  /** Distinct customers the events are spread over (default 10,000). */
  customers?: number;
}

export interface IngestLoadResult {
  mode: IngestLoadMode;
  client: string;
  connections: number;
  seconds: number;
  requests: number;
  events: number;
  eventsPerSecond: number;
  requestsPerSecond: number;
  /** Answers by status (WebSocket: "202" per answered frame, else the error code). */
  statuses: Record<string, number>;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

export async function runIngestLoad(options: IngestLoadOptions): Promise<IngestLoadResult> {
  const batchSize = options.batchSize ?? 500;
  const customers = options.customers ?? 10_000;
  const connections = options.connections ?? (options.mode === "track-json" ? 64 : 8);
  const client = options.mode === "stream-msgpack" ? "websocket" : (options.client ?? "raw");
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let requests = 0;
  let events = 0;
  const count = (status: string, eventCount: number, started: number) => {
    statuses[status] = (statuses[status] ?? 0) + 1;
    requests++;
    if (status === "202") events += eventCount;
    if (latencies.length < 2_000_000) latencies.push(performance.now() - started);
  };

  const bodies = makeBodies(options.mode, batchSize, customers);
  const deadline = performance.now() + options.seconds * 1000;
  const started = performance.now();
  const target = new URL(options.url);
  const perRequest = options.mode === "track-json" ? 1 : batchSize;

  if (options.mode === "stream-msgpack") {
    await Promise.all(
      Array.from({ length: connections }, (_, index) =>
        streamLoop(options, bodies, index, deadline, options.framesInFlight ?? 4, count, perRequest),
      ),
    );
  } else {
    const path = options.mode === "track-json" ? "/v1/track" : "/v1/events/batch";
    const contentType = options.mode === "track-json" ? "application/json" : "application/msgpack";
    const send =
      client === "raw"
        ? rawSender(target, path, contentType, options.key)
        : nodeHttpSender(target, path, contentType, options.key, connections);
    await Promise.all(
      Array.from({ length: connections }, async (_, index) => {
        const connection = await send.open();
        try {
          for (let i = index; performance.now() < deadline; i += connections) {
            const at = performance.now();
            const status = await connection.request(bodies[i % bodies.length]!);
            count(String(status), perRequest, at);
          }
        } finally {
          connection.close();
        }
      }),
    );
    send.dispose();
  }

  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
  return {
    mode: options.mode,
    client,
    connections,
    seconds: round(elapsed),
    requests,
    events,
    eventsPerSecond: Math.round(events / elapsed),
    requestsPerSecond: Math.round(requests / elapsed),
    statuses,
    latencyMs: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: round(latencies.at(-1) ?? 0) },
  };
}

/**
 * The JetStream publish rate of 500-event msgpack batches (what ingest publishes), on a stream of its own,
 * with `inFlight` publishes outstanding. The stream is deleted afterwards.
 */
export async function measureRawPublish({
  natsUrl,
  seconds,
  batchSize = 500,
  inFlight = 32,
}: {
  natsUrl: string;
  seconds: number;
  batchSize?: number;
  inFlight?: number;
}): Promise<{ eventsPerSecond: number; messagesPerSecond: number; messageBytes: number }> {
  const names = pipelineNames(`braw${randomBytes(4).toString("hex")}`);
  const nats = await connectJetStream({ url: natsUrl, name: "bench-raw-publish" });
  const jsm = await nats.jetstreamManager();
  await ensureEventsStream(jsm, names, 16, { maxAgeMs: 600_000 });
  try {
    const js = nats.jetstream();
    const now = Date.now();
    // The shape ingest writes for the load generator's events.
    const events: UsageEvent[] = Array.from({ length: batchSize }, (_, i) => ({
      id: newId("evt"),
      env: "live",
      customer: `cus_${(i * 7919) % 10_000}`,
      feature: "api-calls",
      event: null,
      entity: null,
      value: 1,
      properties: { model: i % 2 === 0 ? "gpt-5" : "o3" },
      timestamp: now,
      receivedAt: now,
      idempotencyKey: null,
    }));
    const bytes = encodeBatch({ v: 1, id: "bat_x", partition: 3, events });
    const subject = names.eventsSubject("live", 3);
    let messages = 0;
    const started = performance.now();
    const deadline = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (performance.now() < deadline) {
          // A fresh id each time: the duplicate window would drop repeats.
          await js.publish(subject, bytes, { msgID: newId("bat") });
          messages++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    return {
      eventsPerSecond: Math.round((messages * batchSize) / elapsed),
      messagesPerSecond: Math.round(messages / elapsed),
      messageBytes: bytes.length,
    };
  } finally {
    await deleteEventsStream(jsm, names);
    await nats.drain();
  }
}

function makeBodies(mode: IngestLoadMode, batchSize: number, customers: number): Buffer[] {
  const event = (i: number) => ({
    customer: `cus_${i % customers}`,
    feature: "api-calls",
    value: 1,
    properties: { model: i % 2 === 0 ? "gpt-5" : "o3" },
  });
  if (mode === "track-json") {
    return Array.from({ length: 1000 }, (_, i) => Buffer.from(JSON.stringify(event(i * 7919))));
  }
  return Array.from({ length: 16 }, (_, b) =>
    pack(Array.from({ length: batchSize }, (_, i) => event(b * batchSize + i * 31))),
  );
}

async function streamLoop(
  options: IngestLoadOptions,
  bodies: Buffer[],
  index: number,
  deadline: number,
  framesInFlight: number,
  count: (status: string, events: number, started: number) => void,
  perFrame: number,
): Promise<void> {
  const url = `${options.url.replace(/^http/, "ws")}/v1/events/stream`;
  const client = await WsClient.open(url, { authorization: `Bearer ${options.key}` });
  if ("refused" in client) throw new Error(`upgrade refused: ${client.status} ${client.body}`);
  const sentAt: number[] = [];
  let sent = index;
  const sendOne = () => {
    sentAt.push(performance.now());
    client.sendBinary(bodies[sent++ % bodies.length]!);
  };
  for (let i = 0; i < framesInFlight; i++) sendOne();
  while (sentAt.length > 0) {
    const answer = await client.nextJson<{ seq: number; accepted?: number; error?: { code: string } }>();
    const at = sentAt.shift()!;
    count(answer.error ? answer.error.code : "202", answer.accepted ?? 0, at);
    if (answer.accepted !== undefined && answer.accepted !== perFrame) throw new Error("frame partly rejected");
    if (performance.now() < deadline) sendOne();
  }
  client.close();
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

/** The standalone run: world set up, ingest started as a child process, figures printed, world removed. */
export async function runIngestBenchmark({ seconds }: { seconds: number }): Promise<Record<string, unknown>> {
  const { createTestDatabase } = await import("../test/support/database");
  const { registerKey } = await import("../billing/src/keys/api-keys");
  const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
  const prefix = `bench${randomBytes(4).toString("hex")}`;
  const database = await createTestDatabase();
  const key = `lum_sk_live_${randomBytes(16).toString("hex")}`;
  await registerKey(database.pool, key, "bench");
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const root = fileURLToPath(new URL("..", import.meta.url));
  let child: ChildProcess | null = null;
  const nats = await connectJetStream({ url: natsUrl, name: "bench-setup" });
  const jsm = await nats.jetstreamManager();
  try {
    child = spawn(process.execPath, ["--import", "tsx", `${root}ingest/src/main.ts`], {
      cwd: root,
      env: {
        ...process.env,
        NATS_URL: natsUrl,
        DATABASE_URL: database.url,
        LUMEN_NATS_PREFIX: prefix,
        LUMEN_INGEST_PORT: String(port),
        LUMEN_HOST: "127.0.0.1",
        LUMEN_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForHealth(url);
    const results: Record<string, unknown> = {};
    // A short warm-up so that the JIT and the key cache are warm.
    await runIngestLoad({ url, key, mode: "track-json", seconds: 1 });
    results.trackJson64 = await runIngestLoad({ url, key, mode: "track-json", seconds, connections: 64 });
    results.trackJson64NodeHttp = await runIngestLoad({
      url,
      key,
      mode: "track-json",
      seconds,
      connections: 64,
      client: "node-http",
    });
    results.batchMsgpack = await runIngestLoad({ url, key, mode: "batch-msgpack", seconds, connections: 8 });
    results.streamMsgpack = await runIngestLoad({ url, key, mode: "stream-msgpack", seconds, connections: 4 });
    results.ingestMetrics = await fetchPublishMetrics(url);
    // Last: it writes gigabytes to the stream's disk, whose write-back would slow the figures after it.
    results.rawPublish = await measureRawPublish({ natsUrl, seconds });
    return results;
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    await deleteEventsStream(jsm, pipelineNames(prefix));
    await nats.drain();
    await database.drop();
  }
}

async function waitForHealth(url: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`ingest did not come up at ${url}`);
}

async function fetchPublishMetrics(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, "m").exec(text)?.[1] ?? Number.NaN);
  return {
    batchesPublished: read("lumen_ingest_batches_published_total"),
    eventsInBatches: read("lumen_ingest_batch_events_sum"),
    publishSecondsSum: read("lumen_ingest_publish_seconds_sum"),
    residentMemoryBytes: read("process_resident_memory_bytes"),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const seconds = Number(process.argv[2] ?? 10);
  const results = await runIngestBenchmark({ seconds });
  console.log(JSON.stringify(results, null, 2));
}
