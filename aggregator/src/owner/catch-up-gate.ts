import { QueryFailure } from "../query/query-failure";

interface Waiter {
  seq: number;
  /** false: the counters holding `seq` is enough (see `counts`). */
  caughtUp: boolean;
  resolve(): void;
  reject(error: unknown): void;
  timer: NodeJS.Timeout | null;
}

/**
 * When an owner may decide: only once its counters hold everything the stream had for the partition when it took
 * ownership (`open(target)`: the partition's last stream sequence read after the lease was won), so that every
 * consume acknowledged by an earlier owner counts before a new one is decided; and, for a request that names one,
 * once they hold the caller's own events (`appliedThrough`). `advance` follows the counters (the last sequence
 * applied to them, before the ClickHouse write).
 */
export class CatchUpGate {
  private counted: number;
  private target: number | null = null;
  private waiters: Waiter[] = [];
  private closedWith: QueryFailure | null = null;

  constructor(
    readonly partition: number,
    countedSeq: number,
  ) {
    this.counted = countedSeq;
  }

  /** The last stream sequence the counters hold. */
  get countedSeq(): number {
    return this.counted;
  }

  /** Caught up with the stream as it was at takeover, and with `seq`. */
  isReady(seq = 0): boolean {
    return this.target !== null && this.counted >= this.target && this.counted >= seq;
  }

  open(target: number): void {
    this.target = target;
    this.release();
  }

  advance(seq: number): void {
    if (seq <= this.counted) return;
    this.counted = seq;
    this.release();
  }

  /**
   * Resolves once ready for `seq` (at once when already); rejects with `unavailable` after `timeoutMs` or when the
   * partition closes.
   */
  wait(seq: number, timeoutMs: number): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (this.isReady(seq)) return Promise.resolve();
    return this.enqueue({ seq, caughtUp: true, timeoutMs });
  }

  /** Resolves once the counters hold `seq`, whatever the target (no time limit; rejects when the partition closes). */
  counts(seq: number): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (this.counted >= seq) return Promise.resolve();
    return this.enqueue({ seq, caughtUp: false, timeoutMs: null });
  }

  close(): void {
    this.closedWith = new QueryFailure("unavailable", `Partition ${this.partition} moved to another owner; retry`);
    for (const waiter of this.waiters.splice(0)) {
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.reject(this.closedWith);
    }
  }

  private enqueue({
    seq,
    caughtUp,
    timeoutMs,
  }: {
    seq: number;
    caughtUp: boolean;
    timeoutMs: number | null;
  }): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { seq, caughtUp, resolve, reject, timer: null };
      if (timeoutMs !== null) {
        waiter.timer = setTimeout(() => {
          this.waiters = this.waiters.filter((other) => other !== waiter);
          reject(
            new QueryFailure(
              "unavailable",
              `Partition ${this.partition} is still catching up with the stream (at ${this.counted}, needs ${Math.max(seq, this.target ?? 0)}); retry`,
            ),
          );
        }, timeoutMs);
      }
      this.waiters.push(waiter);
    });
  }

  private release(): void {
    if (this.waiters.length === 0) return;
    const waiting: Waiter[] = [];
    for (const waiter of this.waiters) {
      const ready = waiter.caughtUp ? this.isReady(waiter.seq) : this.counted >= waiter.seq;
      if (!ready) {
        waiting.push(waiter);
        continue;
      }
      if (waiter.timer) clearTimeout(waiter.timer);
      waiter.resolve();
    }
    this.waiters = waiting;
  }
}
