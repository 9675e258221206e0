import { randomBytes } from "node:crypto";
import {
  type CatalogDefinition,
  type CustomerDefinition,
  customerKey,
  encodeBatch,
  encodeMessage,
  type PipelineNames,
  pipelineNames,
  type UsageEvent,
} from "@lumen/core";
import { connectJetStream, deleteEventsStream, deletePipelineBuckets, ensureEventsStream } from "@lumen/core/runtime";
import type { NatsConnection } from "nats";

/** A NATS prefix of its own for one test file: the stream, the buckets; `dispose` deletes them all. */
export interface NatsFixture {
  names: PipelineNames;
  partitions: number;
  /** A connection of the test's own (aggregators get theirs from `connect`). */
  nats: NatsConnection;
  connect(name?: string): Promise<NatsConnection>;
  /** Publishes one batch to a partition and returns its stream sequence. */
  publish(partition: number, events: UsageEvent[]): Promise<number>;
  putCatalog(catalog: CatalogDefinition): Promise<void>;
  putDefinition(definition: CustomerDefinition): Promise<void>;
  dispose(): Promise<void>;
}

export const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";

export async function createNatsFixture({
  partitions,
  maxAgeMs,
}: {
  partitions: number;
  /** How long the stream keeps events (default: the product's default). */
  maxAgeMs?: number;
}): Promise<NatsFixture> {
  const prefix = `t${randomBytes(5).toString("hex")}`;
  const names = pipelineNames(prefix);
  const connections: NatsConnection[] = [];
  const connect = async (name = "lumen-test") => {
    const connection = await connectJetStream({ url: NATS_URL, name });
    connections.push(connection);
    return connection;
  };
  const nats = await connect();
  const js = nats.jetstream();
  await ensureEventsStream(await nats.jetstreamManager(), names, partitions, maxAgeMs ? { maxAgeMs } : {});
  let batches = 0;
  return {
    names,
    partitions,
    nats,
    connect,
    async publish(partition, events) {
      const env = events[0]?.env ?? "test";
      const id = `bat_${prefix}_${batches++}`;
      const ack = await js.publish(names.eventsSubject(env, partition), encodeBatch({ v: 1, id, partition, events }), {
        msgID: id,
      });
      return ack.seq;
    },
    async putCatalog(catalog) {
      const kv = await js.views.kv(names.buckets.catalog, { history: 1 });
      await kv.put(catalog.env, encodeMessage(catalog));
    },
    async putDefinition(definition) {
      const kv = await js.views.kv(names.buckets.definitions, { history: 1 });
      await kv.put(customerKey(definition.env, definition.customer), encodeMessage(definition));
    },
    async dispose() {
      const jsm = await nats.jetstreamManager();
      await deleteEventsStream(jsm, names);
      await deletePipelineBuckets(jsm, names);
      for (const connection of connections) if (!connection.isClosed()) await connection.close();
    },
  };
}
