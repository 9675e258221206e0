import { decodeBatch, type PipelineNames, pipelineNames, type UsageEvent } from "@lumen/core";
import { connectJetStream } from "@lumen/core/runtime";
import type { NatsConnection } from "nats";
import { openPipelineClient, type PipelineClient } from "../../billing/src/pipeline/pipeline-client";
import { testNatsPrefix } from "./nats-prefix";

export interface TestPipeline {
  nats: NatsConnection;
  names: PipelineNames;
  partitions: number;
  client: PipelineClient;
  /** Every event in the stream so far, in stream order. */
  readEvents(): Promise<UsageEvent[]>;
  close(): Promise<void>;
}

/** A stream and buckets of this test file's own (a unique prefix), deleted by `close`. */
export async function startTestPipeline({ partitions = 4 }: { partitions?: number } = {}): Promise<TestPipeline> {
  const nats = await connectJetStream({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "test" });
  const names = pipelineNames(testNatsPrefix());
  const client = await openPipelineClient({ nats, names, partitions });
  return {
    nats,
    names,
    partitions,
    client,
    async readEvents() {
      const jsm = await nats.jetstreamManager();
      const { state } = await jsm.streams.info(names.eventsStream);
      const events: UsageEvent[] = [];
      for (let seq = state.first_seq; seq <= state.last_seq && state.messages > 0; seq++) {
        const message = await jsm.streams.getMessage(names.eventsStream, { seq });
        events.push(...decodeBatch(message.data).events);
      }
      return events;
    },
    async close() {
      await client.close();
      const jsm = await nats.jetstreamManager();
      const streams = [names.eventsStream, ...Object.values(names.buckets).map((bucket) => `KV_${bucket}`)];
      for (const stream of streams) await jsm.streams.delete(stream).catch(() => {});
      await nats.drain();
    },
  };
}
