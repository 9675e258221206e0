import { type PipelineNames, randomToken } from "@lumen/core";
import { AckPolicy, DeliverPolicy, type JetStreamClient, type JetStreamManager, nanos } from "nats";
import type { ReceivedBatch } from "./received-batch";

export interface PartitionReader {
  /**
   * Whether everything the stream holds for the partition has been delivered up to `appliedSeq`: the consumer has
   * nothing pending and delivered nothing past it. Asked at `now`, it means every event stored before then is applied.
   */
  caughtUp(appliedSeq: number): Promise<boolean>;
  stop(): Promise<void>;
}

// Messages (of up to ~500 events) pulled at a time, per partition.
const READ_AHEAD = 32;
// The server removes a consumer its reader left behind (a crash) after this long.
const INACTIVE_MS = 5 * 60_000;

/**
 * Reads one partition's messages from `fromSeq` on, through an ephemeral pull consumer without acks (the
 * checkpoint lives in ClickHouse), and hands each message to `onBatch`, which may hold it back: the next pull goes
 * out only when the reader gets to it, so memory holds at most one pull per partition beyond the flusher's buffer.
 * (nats.js's ordered consumer keeps pulling whatever the reader does, so a backlog would pile up in memory.)
 * Like an ordered consumer, it checks that consumer sequences follow each other; a gap, or the consumer or stream
 * going away, stops it with `onError`, and the partition restarts from its checkpoint.
 */
export async function startPartitionReader({
  js,
  jsm,
  names,
  partition,
  generation,
  fromSeq,
  onBatch,
  onError,
}: {
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: PipelineNames;
  partition: number;
  generation: number;
  fromSeq: number;
  onBatch: (batch: ReceivedBatch) => Promise<void>;
  /** The reader stopped on an error: restart the partition. */
  onError: (error: unknown) => void;
}): Promise<PartitionReader> {
  const created = await jsm.consumers.add(names.eventsStream, {
    name: `${names.prefix}-p${partition}-${randomToken(8)}`,
    filter_subject: names.partitionFilter(partition),
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: Math.max(1, fromSeq),
    ack_policy: AckPolicy.None,
    inactive_threshold: nanos(INACTIVE_MS),
    mem_storage: true,
    num_replicas: 1,
  });
  const consumer = await js.consumers.get(names.eventsStream, created.name);
  const messages = await consumer.consume({ max_messages: READ_AHEAD, abort_on_missing_resource: true });
  let stopped = false;
  const reading = (async () => {
    let delivered = 0;
    for await (const message of messages) {
      if (stopped) break;
      if (message.info.deliverySequence !== delivered + 1) {
        throw new Error(`partition ${partition}: message ${delivered + 1} of the consumer never arrived`);
      }
      delivered = message.info.deliverySequence;
      await onBatch({
        partition,
        generation,
        seq: message.seq,
        storedAt: Math.floor(message.info.timestampNanos / 1_000_000),
        pending: message.info.pending,
        data: message.data,
      });
    }
    if (!stopped) throw new Error(`partition ${partition}: the stream consumer stopped`);
  })().catch((error: unknown) => {
    if (!stopped) onError(error);
  });
  return {
    async caughtUp(appliedSeq) {
      const info = await consumer.info();
      return info.num_pending === 0 && info.delivered.stream_seq <= appliedSeq;
    },
    async stop() {
      stopped = true;
      messages.stop();
      await reading;
      await jsm.consumers.delete(names.eventsStream, created.name).catch(() => {});
    },
  };
}
