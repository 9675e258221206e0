import { pipelineNames } from "@lumen/core";
import {
  connectJetStream,
  deleteEventsStream,
  deletePipelineBuckets,
  ensureEventsStream,
  type HttpServer,
} from "@lumen/core/runtime";
import { createSidecar, createSidecarMetrics, type RunningSidecar, startSidecarServer } from "@lumen/sidecar";
import type { NatsConnection } from "nats";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testNatsPrefix } from "../../test/support/nats-prefix";
import { Lumen } from "./client";
import { LumenError } from "./errors";

/** The SDK against the real sidecar (HTTP and embedded) on its own NATS prefix; no aggregator runs. */

const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const PARTITIONS = 4;
const prefix = testNatsPrefix();
const names = pipelineNames(prefix);
const logger = pino({ level: "silent" });

let nats: NatsConnection;
let sidecarConnection: NatsConnection;
let running: RunningSidecar;
let server: HttpServer;
let sidecarUrl: string;

beforeAll(async () => {
  nats = await connectJetStream({ url: NATS_URL, name: "sdk-test" });
  await ensureEventsStream(await nats.jetstreamManager(), names, PARTITIONS);
  sidecarConnection = await connectJetStream({ url: NATS_URL, name: "sdk-test-sidecar" });
  running = await createSidecar({ nats: sidecarConnection, names, partitions: PARTITIONS, env: "test", logger });
  server = await startSidecarServer({
    sidecar: running.sidecar,
    metrics: createSidecarMetrics(),
    host: "127.0.0.1",
    port: 0,
  });
  sidecarUrl = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  server?.close();
  await running?.close();
  await sidecarConnection?.close();
  const jsm = await nats.jetstreamManager();
  await deleteEventsStream(jsm, names).catch(() => {});
  await deletePipelineBuckets(jsm, names);
  await nats.close();
});

async function streamedEvents(): Promise<number> {
  const jsm = await nats.jetstreamManager();
  const info = await jsm.streams.info(names.eventsStream);
  return info.state.messages;
}

describe("over HTTP", () => {
  it("answers a check of an unknown customer as a denial, not an error", async () => {
    const lumen = new Lumen({ sidecarUrl });
    const check = await lumen.check({ userId: "nobody", feature: "api-calls" });
    expect(check).toMatchObject({ allowed: false, customer: "nobody", reason: "customer_not_found" });
    expect(check.fallback).toBeUndefined();
    await lumen.close();
  });

  it("turns the sidecar's 400 into a typed LumenError", async () => {
    const lumen = new Lumen({ sidecarUrl });
    const error = await lumen.check({ customer: "acme", feature: "api-calls", quantity: -1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LumenError);
    expect(error).toMatchObject({ code: "validation_error", status: 400, details: [{ path: "quantity" }] });
    await lumen.close();
  });

  it("delivers MessagePack track batches the sidecar accepts", async () => {
    const before = await streamedEvents();
    const lumen = new Lumen({ sidecarUrl, track: { maxBatch: 100 } });
    for (let i = 0; i < 250; i++) {
      lumen.track({ customer: `cus_${i % 7}`, feature: "api-calls", value: 1, properties: { i } });
    }
    await lumen.close();
    expect(lumen.trackStats()).toEqual({ queued: 0, sending: 0, sent: 250, dropped: 0 });
    await expect.poll(streamedEvents, { timeout: 5_000 }).toBeGreaterThan(before);
  });
});

describe("embedded", () => {
  it("Lumen.embedded runs the sidecar in this process and stops it on close", async () => {
    const lumen = await Lumen.embedded({
      sidecarUrl: "http://127.0.0.1:9",
      embedded: { natsUrl: NATS_URL, prefix, partitions: PARTITIONS, env: "test", logger },
    });
    const check = await lumen.check({ customer: "nobody", feature: "api-calls" });
    expect(check).toMatchObject({ allowed: false, reason: "customer_not_found" });
    lumen.track({ customer: "acme", feature: "api-calls" });
    await lumen.close();
    expect(lumen.trackStats()).toMatchObject({ sent: 1, dropped: 0 });
  });
});
