import type { Subscription } from "nats";
import type { AggregatorMetrics } from "./metrics";
import type { OwnerPartition } from "./owner/owner-partition";
import type { PartitionManagerDeps } from "./partition-manager";
import type { FlushWork } from "./pipeline/apply-batches";
import type { PartitionReader } from "./pipeline/partition-reader";
import { publishSnapshots, snapshotOf } from "./publish/snapshots";
import { putWatermark } from "./publish/watermarks";
import type { CustomerUsage } from "./state/counter-store";

/** A partition this aggregator works on, in one generation. */
export interface Slot {
  partition: number;
  generation: number;
  running: boolean;
  reader: PartitionReader | null;
  owner: Subscription | null;
  /** Checks, consumes and reservations of the partition (see OwnerService). */
  entitlements: OwnerPartition | null;
  appliedSeq: number;
  watermark: number;
  /** Messages the stream still held for the partition when the newest one was delivered. */
  streamPending: number;
}

type Deps = Pick<
  PartitionManagerDeps,
  "me" | "nats" | "balances" | "watermarks" | "names" | "sources" | "clock" | "buffer" | "metrics"
>;

/**
 * As soon as a flush is applied to the counters, before it is written: publishes the changed snapshots. Early
 * is safe: the events are durable in the stream, a replay after a crash rebuilds the same counters, and readers
 * ignore a snapshot older (lower seq) than the one they hold. It keeps the lag off ClickHouse's write time.
 */
export async function publishApplied({
  work,
  slots,
  deps,
}: {
  work: FlushWork;
  slots: ReadonlyMap<number, Slot>;
  deps: Deps;
}): Promise<void> {
  const current = work.batches.filter((batch) => slots.get(batch.partition)?.generation === batch.generation);
  const seqs = new Map(current.map((batch) => [batch.partition, batch.seq]));
  await publishCustomers({
    customers: [...work.changed].filter((usage) => seqs.has(usage.partition)),
    seqOf: (partition) => seqs.get(partition) ?? 0,
    deps,
  });
}

/** After a flush is written: advances the partitions and their watermarks (billing waits on these). */
export async function publishFlush({
  work,
  seconds,
  slots,
  deps,
}: {
  work: FlushWork;
  seconds: number;
  slots: ReadonlyMap<number, Slot>;
  deps: Deps;
}): Promise<void> {
  const current = work.batches.filter((batch) => slots.get(batch.partition)?.generation === batch.generation);
  const seqs = new Map(current.map((batch) => [batch.partition, batch.seq]));
  const now = deps.clock.now().getTime();
  for (const batch of current) {
    const slot = slots.get(batch.partition);
    if (!slot || slot.generation !== batch.generation) continue;
    slot.appliedSeq = Math.max(slot.appliedSeq, batch.seq);
    slot.watermark = Math.max(slot.watermark, batch.storedAt);
    deps.metrics.lagSeconds.set({ partition: batch.partition }, (now - batch.storedAt) / 1000);
  }
  await Promise.all([...seqs.keys()].map((partition) => putSlotWatermark(slots.get(partition), deps)));
  countFlush(deps.metrics, work, seconds);
}

/**
 * Moves each idle partition's watermark to now when it is caught up: nothing pending in the stream, nothing
 * delivered past what is applied, nothing waiting in the buffer.
 */
export async function refreshWatermarks({ slots, deps }: { slots: ReadonlyMap<number, Slot>; deps: Deps }) {
  await Promise.all(
    [...slots.values()].map(async (slot) => {
      // Only ask the server when nothing is known to be pending (saves a request per partition while busy).
      if (!slot.running || !slot.reader || slot.streamPending > 0 || deps.buffer.holds(slot.partition)) return;
      const asked = deps.clock.now().getTime();
      if (!(await slot.reader.caughtUp(slot.appliedSeq).catch(() => false))) return;
      if (slots.get(slot.partition) !== slot || asked <= slot.watermark) return;
      slot.watermark = asked;
      await putSlotWatermark(slot, deps);
    }),
  );
}

export async function publishCustomers({
  customers,
  seqOf,
  deps,
}: {
  customers: CustomerUsage[];
  seqOf: (partition: number) => number;
  deps: Deps;
}): Promise<void> {
  const { nats, balances, names, sources } = deps;
  const snapshots = customers.map((usage) =>
    snapshotOf({ usage, seq: seqOf(usage.partition), catalog: sources.catalogOf(usage.env) }),
  );
  if (snapshots.length > 0) await publishSnapshots({ nats, balances, names, snapshots });
}

async function putSlotWatermark(slot: Slot | undefined, deps: Deps): Promise<void> {
  if (!slot) return;
  await putWatermark(deps.watermarks, {
    partition: slot.partition,
    owner: deps.me,
    seq: slot.appliedSeq,
    watermark: slot.watermark,
  });
}

function countFlush(metrics: AggregatorMetrics, work: FlushWork, seconds: number): void {
  metrics.eventsApplied.inc(work.events);
  metrics.duplicates.inc(work.duplicates);
  metrics.batches.inc(work.batches.length);
  metrics.flushes.inc();
  metrics.flushSeconds.observe(seconds);
}
