import {
  type CustomerDefinition,
  customerKey,
  encodeMessage,
  type PipelineNames,
  pipelineNames,
  type UsageSnapshot,
} from "@lumen/core";
import {
  connectJetStream,
  deleteEventsStream,
  deletePipelineBuckets,
  ensureEventsStream,
  type HttpServer,
} from "@lumen/core/runtime";
import type { NatsConnection } from "nats";
import { pino } from "pino";
import { testNatsPrefix } from "../../../test/support/nats-prefix";
import type { CacheLimits } from "../cache/customer-cache";
import { createSidecar, type RunningSidecar } from "../create-sidecar";
import { startSidecarServer } from "../http/server";
import { createSidecarMetrics, type SidecarMetrics } from "../metrics";

export const PARTITIONS = 4;

/** Answers as tests read them: loosely (each test asserts the fields it cares about). */
// biome-ignore lint/suspicious/noExplicitAny: test answers are read loosely
type Answer = { status: number; body: any };

export interface SidecarFixture {
  names: PipelineNames;
  nats: NatsConnection;
  running: RunningSidecar;
  metrics: SidecarMetrics;
  url: string;
  /** Writes a definition to KV and announces it, as billing does. */
  putDefinition(definition: CustomerDefinition): Promise<void>;
  /** Writes a snapshot to the balances bucket and publishes it, as the owner does. */
  putSnapshot(snapshot: UsageSnapshot): Promise<void>;
  putEntity(entity: string, customer: string): Promise<void>;
  putClock(id: string, frozenTime: number): Promise<void>;
  post(path: string, body: unknown, headers?: Record<string, string>): Promise<Answer>;
  get(path: string): Promise<Answer>;
  dispose(): Promise<void>;
}

/** A sidecar on its own NATS prefix (stream, buckets), served on a free loopback port; no aggregator runs. */
export async function startSidecarFixture({
  cache,
  natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222",
  ownerTimeoutMs = 2_000,
}: {
  cache?: Partial<CacheLimits>;
  natsUrl?: string;
  ownerTimeoutMs?: number;
} = {}): Promise<SidecarFixture> {
  const names = pipelineNames(testNatsPrefix());
  const nats = await connectJetStream({ url: natsUrl, name: "sidecar-test" });
  const js = nats.jetstream();
  await ensureEventsStream(await nats.jetstreamManager(), names, PARTITIONS);
  const metrics = createSidecarMetrics();
  const sidecarConnection = await connectJetStream({ url: natsUrl, name: "sidecar-under-test" });
  const running = await createSidecar({
    nats: sidecarConnection,
    names,
    partitions: PARTITIONS,
    env: "test",
    cache,
    logger: pino({ level: "silent" }),
    metrics,
    ownerTimeoutMs,
  });
  const server: HttpServer = await startSidecarServer({
    sidecar: running.sidecar,
    metrics,
    host: "127.0.0.1",
    port: 0,
    noopRoute: true,
  });
  const url = `http://127.0.0.1:${server.port}`;
  const kv = (bucket: string) => js.views.kv(bucket, { history: 1 });
  const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { "content-type": "application/json", ...headers },
      body:
        body === undefined
          ? undefined
          : typeof body === "string" || body instanceof Uint8Array
            ? body
            : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    names,
    nats,
    running,
    metrics,
    url,
    async putDefinition(definition) {
      const payload = encodeMessage(definition);
      await (await kv(names.buckets.definitions)).put(customerKey(definition.env, definition.customer), payload);
      nats.publish(names.definitionsSubject(definition.env, definition.customer), payload);
      await nats.flush();
    },
    async putSnapshot(snapshot) {
      const payload = encodeMessage(snapshot);
      await (await kv(names.buckets.balances)).put(customerKey(snapshot.env, snapshot.customer), payload);
      nats.publish(names.balancesSubject(snapshot.env, snapshot.customer), payload);
      await nats.flush();
    },
    async putEntity(entity, customer) {
      await (await kv(names.buckets.entities)).put(customerKey("test", entity), encodeMessage({ customer }));
    },
    async putClock(id, frozenTime) {
      await (await kv(names.buckets.clocks)).put(id, encodeMessage({ id, frozenTime }));
    },
    post: (path, body, headers) => call("POST", path, body, headers),
    get: (path) => call("GET", path),
    async dispose() {
      server.close();
      await running.close();
      await sidecarConnection.close();
      const jsm = await nats.jetstreamManager();
      await deleteEventsStream(jsm, names);
      await deletePipelineBuckets(jsm, names);
      await nats.close();
    },
  };
}

/** Polls until `read` returns something `accept` takes (pushes arrive asynchronously). */
export async function eventually<T>(read: () => Promise<T> | T, accept: (value: T) => boolean, timeoutMs = 3_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (accept(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
