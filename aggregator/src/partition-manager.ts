import { type Clock, type PipelineNames, QUERY_OPERATIONS, type UsageSources } from "@lumen/core";
import type { JetStreamClient, JetStreamManager, KV, NatsConnection } from "nats";
import type { Logger } from "pino";
import type { ClickHouse } from "./clickhouse";
import type { IdempotencyIndex } from "./dedup/idempotency-index";
import type { AggregatorMetrics } from "./metrics";
import type { OwnerService } from "./owner/owner-service";
import { publishApplied, publishCustomers, publishFlush, refreshWatermarks, type Slot } from "./partition-progress";
import type { FlushWork } from "./pipeline/apply-batches";
import type { BatchBuffer } from "./pipeline/batch-buffer";
import { startPartitionReader } from "./pipeline/partition-reader";
import { recoverPartition } from "./pipeline/recover-partition";
import { readWatermark } from "./publish/watermarks";
import { answerCurrentUsage } from "./query/current-usage";
import { QueryFailure, serveRequests } from "./query/query-failure";
import { type CounterStore, usageKey } from "./state/counter-store";
import { restoreLedgers } from "./state/restore-ledgers";

export interface PartitionManagerDeps {
  me: string;
  nats: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  names: PipelineNames;
  partitions: number;
  clickhouse: ClickHouse;
  clock: Clock;
  counters: CounterStore;
  index: IdempotencyIndex;
  buffer: BatchBuffer;
  sources: UsageSources;
  balances: KV;
  watermarks: KV;
  /** Checks, strict consumes and reservations of the owned partitions. */
  owners: OwnerService;
  metrics: AggregatorMetrics;
  logger: Logger;
  /** Whether the partition's lease is held and fresh. */
  holds: (partition: number) => boolean;
  /** Resolves when the flush in progress has finished. */
  flushIdle: () => Promise<void>;
  restartDelayMs: number;
}

let generations = 0;

/**
 * The owned partitions' lifecycle: recover and start reading when a lease is won, stop when it is given up or
 * lost, restart after a failed flush; snapshots and watermarks after each flush; the owner's answers (current usage,
 * and through the OwnerService checks, consumes and reservations).
 */
export class PartitionManager {
  private readonly slots = new Map<number, Slot>();

  constructor(private readonly deps: PartitionManagerDeps) {}

  /** Partitions recovered and reading. */
  running(): number[] {
    return [...this.slots.values()]
      .filter((s) => s.running)
      .map((s) => s.partition)
      .sort((a, b) => a - b);
  }

  appliedSeq(partition: number): number | undefined {
    const slot = this.slots.get(partition);
    return slot?.running ? slot.appliedSeq : undefined;
  }

  isCurrent(partition: number, generation: number): boolean {
    const slot = this.slots.get(partition);
    return slot !== undefined && slot.generation === generation && slot.running && this.deps.holds(partition);
  }

  async start(partition: number): Promise<void> {
    const { deps } = this;
    const slot: Slot = {
      partition,
      generation: ++generations,
      running: false,
      reader: null,
      owner: null,
      entitlements: null,
      appliedSeq: 0,
      watermark: 0,
      streamPending: 0,
    };
    this.slots.set(partition, slot);
    // A flush in progress may still write this partition: recover only after it settles.
    await deps.flushIdle();
    const recovered = await recoverPartition({
      clickhouse: deps.clickhouse,
      partition,
      writtenAt: deps.clock.now().getTime(),
    });
    if (this.slots.get(partition) !== slot) return;
    await deps.index.startPartition(partition, slot.generation, deps.clock.now().getTime());
    if (this.slots.get(partition) !== slot) return;
    await restoreLedgers({ balances: deps.balances, customers: recovered.customers.values() });
    if (this.slots.get(partition) !== slot) return;
    deps.counters.replacePartition(partition, recovered.customers);
    slot.appliedSeq = recovered.seq;
    // The previous owner's watermark still holds: everything stored before it is in what we recovered.
    const previous = await readWatermark(deps.watermarks, partition).catch(() => null);
    if (previous && previous.seq <= recovered.seq) slot.watermark = previous.watermark;
    if (this.slots.get(partition) !== slot) return;
    slot.running = true;
    slot.owner = serveRequests({
      nats: deps.nats,
      subject: deps.names.ownerSubject(partition, QUERY_OPERATIONS.currentUsage),
      handle: async (request) => {
        if (this.slots.get(partition) !== slot) throw new QueryFailure("unavailable", "The partition moved; retry");
        const { partitions, counters, sources } = deps;
        return answerCurrentUsage({ request, partition, partitions, counters, sources, seq: slot.appliedSeq });
      },
      logger: deps.logger,
    });
    const entitlements = await deps.owners.openPartition(partition, recovered.seq);
    if (this.slots.get(partition) !== slot) {
      void deps.owners.closePartition(entitlements);
      return;
    }
    slot.entitlements = entitlements;
    const repaired = [...recovered.customers.values()].filter((u) =>
      recovered.repaired.has(usageKey(u.env, u.customer)),
    );
    await publishCustomers({ customers: repaired, seqOf: () => recovered.seq, deps });
    const reader = await startPartitionReader({
      js: deps.js,
      jsm: deps.jsm,
      names: deps.names,
      partition,
      generation: slot.generation,
      fromSeq: recovered.seq + 1,
      onBatch: (batch) => {
        slot.streamPending = batch.pending;
        return deps.buffer.push(batch);
      },
      onError: (error) => this.fail([partition], error),
    });
    if (this.slots.get(partition) !== slot) {
      await reader.stop();
      return;
    }
    slot.reader = reader;
    deps.metrics.ownedPartitions.set(this.slots.size);
    deps.logger.info({ partition, seq: recovered.seq, customers: recovered.customers.size }, "partition started");
  }

  /** Stops a partition's work; with `settle`, also waits for a flush in progress to finish writing it. */
  async stop(partition: number, { settle }: { settle: boolean }): Promise<void> {
    const slot = this.slots.get(partition);
    if (!slot) return;
    this.slots.delete(partition);
    slot.owner?.unsubscribe();
    const closing = slot.entitlements ? this.deps.owners.closePartition(slot.entitlements) : undefined;
    this.deps.buffer.dropPartition(partition);
    this.deps.counters.dropPartition(partition);
    this.deps.index.stopPartition(partition);
    this.deps.metrics.ownedPartitions.set(this.slots.size);
    const stopping = slot.reader?.stop();
    // Settling includes the consumes and reservations still being recorded: only then may another owner start.
    if (settle) await Promise.all([stopping, this.deps.flushIdle(), closing]);
  }

  /** A flush (or a reader) of these partitions failed: stop them now and start them again from their checkpoint. */
  fail(partitions: number[], error: unknown): void {
    this.deps.logger.error({ err: error, partitions }, "partition failed; restarting it from the checkpoint");
    this.deps.metrics.flushFailures.inc();
    for (const partition of partitions) {
      void this.stop(partition, { settle: false });
      setTimeout(() => {
        if (this.deps.holds(partition) && !this.slots.has(partition)) this.startLogged(partition);
      }, this.deps.restartDelayMs);
    }
  }

  startLogged(partition: number): void {
    this.start(partition).catch((error: unknown) => this.fail([partition], error));
  }

  async stopAll({ settle }: { settle: boolean }): Promise<void> {
    await Promise.all([...this.slots.keys()].map((partition) => this.stop(partition, { settle })));
  }

  /** As soon as a flush is applied to the counters: open the owners' gates that wait on it, publish the snapshots. */
  afterApply(work: FlushWork): Promise<void> {
    for (const batch of work.batches) {
      if (this.slots.get(batch.partition)?.generation === batch.generation) {
        this.deps.owners.applied(batch.partition, batch.seq);
      }
    }
    return publishApplied({ work, slots: this.slots, deps: this.deps });
  }

  /** After a flush is written: advance the partitions and their watermarks. */
  afterFlush(work: FlushWork, seconds: number): Promise<void> {
    return publishFlush({ work, seconds, slots: this.slots, deps: this.deps });
  }

  /** Moves each caught-up partition's watermark to now. */
  refreshWatermarks(): Promise<void> {
    return refreshWatermarks({ slots: this.slots, deps: this.deps });
  }
}
