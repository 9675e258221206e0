import type { ReceivedBatch } from "./received-batch";

/**
 * Messages read from the owned partitions, waiting for the next flush. Bounded in bytes: a reader that finds it
 * full waits (and so stops pulling from the stream) until a flush takes messages out.
 */
export class BatchBuffer {
  private batches: ReceivedBatch[] = [];
  private bytes = 0;
  private firstAt = 0;
  private closed = false;
  private notify: (() => void) | null = null;
  private readonly roomWaiters: (() => void)[] = [];

  constructor(
    private readonly capacityBytes: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Bytes waiting. */
  get size(): number {
    return this.bytes;
  }

  async push(batch: ReceivedBatch): Promise<void> {
    while (this.bytes >= this.capacityBytes && !this.closed) {
      await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
    }
    if (this.closed) return;
    if (this.batches.length === 0) this.firstAt = this.now();
    this.batches.push(batch);
    this.bytes += batch.data.length;
    this.notify?.();
  }

  /** Waits until a group is due: `groupBytes` wait, or the oldest message has waited `lingerMs`; or closed. */
  async waitForGroup(groupBytes: number, lingerMs: number): Promise<void> {
    while (!this.closed) {
      const waited = this.now() - this.firstAt;
      if (this.batches.length > 0 && (this.bytes >= groupBytes || waited >= lingerMs)) return;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        this.notify = resolve;
        if (this.batches.length > 0) timer = setTimeout(resolve, Math.max(1, lingerMs - waited));
      });
      clearTimeout(timer);
      this.notify = null;
    }
  }

  /** Takes whole messages, in arrival order, up to about `maxBytes` (at least one). */
  take(maxBytes: number): ReceivedBatch[] {
    let count = 0;
    let end = 0;
    while (end < this.batches.length && (end === 0 || count + this.batches[end]!.data.length <= maxBytes)) {
      count += this.batches[end]!.data.length;
      end++;
    }
    const taken = this.batches.slice(0, end);
    this.batches = this.batches.slice(end);
    this.bytes -= count;
    this.firstAt = this.now();
    this.releaseRoom();
    return taken;
  }

  /** Forgets the batches of a partition (it stopped or restarts). */
  dropPartition(partition: number): void {
    this.batches = this.batches.filter((batch) => batch.partition !== partition);
    this.bytes = this.batches.reduce((total, batch) => total + batch.data.length, 0);
    this.releaseRoom();
  }

  /** Whether a batch of the partition waits here. */
  holds(partition: number): boolean {
    return this.batches.some((batch) => batch.partition === partition);
  }

  /** Wakes every waiter for good: readers return at once, `waitForGroup` resolves. */
  close(): void {
    this.closed = true;
    this.notify?.();
    for (const resolve of this.roomWaiters.splice(0)) resolve();
  }

  private releaseRoom(): void {
    while (this.bytes < this.capacityBytes && this.roomWaiters.length > 0) this.roomWaiters.shift()!();
  }
}
