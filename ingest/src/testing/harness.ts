import { randomBytes } from "node:crypto";
import { type Clock, decodeBatch, type EventBatch, type PipelineNames, pipelineNames, systemClock } from "@lumen/core";
import {
  connectJetStream,
  createEventPublisher,
  deleteEventsStream,
  type EventPublisher,
  type EventPublisherOptions,
  ensureEventsStream,
} from "@lumen/core/runtime";
import type { JetStreamManager, NatsConnection } from "nats";
import { pino } from "pino";
import { registerKey } from "../../../billing/src/keys/api-keys";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database";
import { type IngestServer, startIngest } from "../app";
import { createIngestContext, DEFAULT_LIMITS, type IngestContext, type IngestLimits } from "../context";
import { createIngestMetrics, type IngestMetrics } from "../metrics";

export const TEST_PARTITIONS = 4;

export interface StoredBatch {
  seq: number;
  msgId: string | undefined;
  subject: string;
  batch: EventBatch;
}

export interface RunningIngest {
  server: IngestServer;
  ctx: IngestContext;
  publisher: EventPublisher;
  metrics: IngestMetrics;
  base: string;
  ws: string;
}

/**
 * One test file's world: a NATS prefix and event stream of its own, a fresh migrated billing database with a
 * test and a live key, and ingest servers started in process on port 0. `close()` removes all of it.
 */
export interface IngestHarness {
  nats: NatsConnection;
  jsm: JetStreamManager;
  names: PipelineNames;
  database: TestDatabase;
  keys: { test: string; live: string };
  start(options?: {
    publisher?: Partial<EventPublisherOptions>;
    limits?: Partial<IngestLimits>;
    keyTtlMs?: number;
    clock?: Clock;
  }): Promise<RunningIngest>;
  /** Batches stored since the previous call, in stream order. */
  readNewBatches(): Promise<StoredBatch[]>;
  close(): Promise<void>;
}

export async function createIngestHarness(): Promise<IngestHarness> {
  const prefix = `t${randomBytes(5).toString("hex")}`;
  const names = pipelineNames(prefix);
  const nats = await connectJetStream({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: prefix });
  const jsm = await nats.jetstreamManager();
  await ensureEventsStream(jsm, names, TEST_PARTITIONS, { maxAgeMs: 60 * 60_000 });
  const database = await createTestDatabase();
  const keys = {
    test: `lum_sk_test_${randomBytes(12).toString("hex")}`,
    live: `lum_sk_live_${randomBytes(12).toString("hex")}`,
  };
  await registerKey(database.pool, keys.test, "test");
  await registerKey(database.pool, keys.live, "test");
  const running: RunningIngest[] = [];
  let lastSeq = 0;

  return {
    nats,
    jsm,
    names,
    database,
    keys,
    async start({ publisher: publisherOptions = {}, limits = {}, keyTtlMs, clock = systemClock } = {}) {
      const metrics = createIngestMetrics();
      const publisher = createEventPublisher({
        js: nats.jetstream(),
        names,
        partitions: TEST_PARTITIONS,
        observer: metrics.publishObserver,
        ...publisherOptions,
      });
      metrics.readQueueDepth(() => publisher.queuedEvents);
      const ctx = createIngestContext({
        db: database.pool,
        publisher,
        clock,
        metrics,
        logger: pino({ level: "silent" }),
        limits: { ...DEFAULT_LIMITS, ...limits },
        keyTtlMs,
      });
      const server = await startIngest({ ctx, host: "127.0.0.1", port: 0 });
      const instance = {
        server,
        ctx,
        publisher,
        metrics,
        base: `http://127.0.0.1:${server.port}`,
        ws: `ws://127.0.0.1:${server.port}`,
      };
      running.push(instance);
      return instance;
    },
    async readNewBatches() {
      const info = await jsm.streams.info(names.eventsStream);
      const batches: StoredBatch[] = [];
      for (let seq = Math.max(lastSeq + 1, info.state.first_seq); seq <= info.state.last_seq; seq++) {
        const message = await jsm.streams.getMessage(names.eventsStream, { seq });
        batches.push({
          seq,
          msgId: message.header.get("Nats-Msg-Id") || undefined,
          subject: message.subject,
          batch: decodeBatch(message.data),
        });
      }
      lastSeq = Math.max(lastSeq, info.state.last_seq);
      return batches;
    },
    async close() {
      for (const instance of running) {
        instance.server.close();
        // A publisher whose fake stream never answers would never drain: do not wait for those.
        await Promise.race([instance.publisher.close(), new Promise((resolve) => setTimeout(resolve, 200))]);
      }
      await deleteEventsStream(jsm, names);
      await nats.drain();
      await database.drop();
    },
  };
}
