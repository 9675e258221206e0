import { customerKey, type LumenEnv, LumenError, type UsageEvent } from "@lumen/core";
import type { EventPublisher } from "@lumen/core/runtime";
import type { OwnEvent } from "../cache/customer-entry";

export interface TrackQueueOptions {
  publisher: EventPublisher;
  /** Events waiting or in flight at most; beyond it `enqueue` refuses (the caller answers 429). */
  maxQueued?: number;
  /** Events handed to the publisher at once. */
  maxBatch?: number;
  /** First delay after a failed publish; doubles up to `maxRetryDelayMs`. */
  retryDelayMs?: number;
  maxRetryDelayMs?: number;
  onFailure?: (error: unknown, events: number) => void;
}

interface Queued {
  event: UsageEvent;
  own: OwnEvent;
}

interface CustomerProgress {
  unsettled: number;
  /** Highest stream sequence of the customer's events published so far. */
  sequence: number;
  waiters: ((sequence: number) => void)[];
}

/**
 * Fire-and-forget delivery of events tracked through the sidecar: queued in memory, sent in batches through the
 * shared publisher (msgpack, one message per partition batch), retried with the same event ids and idempotency
 * keys until the stream confirms them, and flushed on shutdown. A queued event is not durable: the sidecar's
 * answer is "queued", as PRODUCT §9 says; a crash of the sidecar loses what it had not sent.
 */
export class TrackQueue {
  private queue: Queued[] = [];
  private inFlight = 0;
  private pumping = false;
  private closing = false;
  private retryDelay: number;
  private retryTimer: NodeJS.Timeout | null = null;
  private readonly progress = new Map<string, CustomerProgress>();
  private readonly idleWaiters: (() => void)[] = [];
  private readonly settings: Required<Omit<TrackQueueOptions, "publisher" | "onFailure">>;

  constructor(private readonly options: TrackQueueOptions) {
    this.settings = {
      maxQueued: options.maxQueued ?? 100_000,
      maxBatch: options.maxBatch ?? 1_000,
      retryDelayMs: options.retryDelayMs ?? 100,
      maxRetryDelayMs: options.maxRetryDelayMs ?? 5_000,
    };
    this.retryDelay = this.settings.retryDelayMs;
  }

  /** Events queued or in flight. */
  get depth(): number {
    return this.queue.length + this.inFlight;
  }

  /** Whether `count` more events fit. */
  hasRoom(count: number): boolean {
    return !this.closing && this.depth + count <= this.settings.maxQueued;
  }

  /** Queues stamped events; their `own` records learn their stream sequence once confirmed. */
  enqueue(items: readonly Queued[]): void {
    for (const item of items) {
      this.queue.push(item);
      const progress = this.progressOf(item.event.env, item.event.customer);
      progress.unsettled++;
    }
    this.schedule();
  }

  /**
   * Resolves, once every event queued so far for the customer is in the stream, to the highest stream sequence
   * among them (0 when none was ever tracked here): a consume waits for it so that the owner counts them first.
   */
  settledSequence(env: LumenEnv, customer: string, timeoutMs = 5_000): Promise<number> {
    const progress = this.progress.get(customerKey(env, customer));
    if (!progress) return Promise.resolve(0);
    if (progress.unsettled === 0) return Promise.resolve(progress.sequence);
    return new Promise((resolve, reject) => {
      // The stream may refuse events for a while (it is away): the caller answers 503 rather than wait forever.
      const timer = setTimeout(() => {
        const index = progress.waiters.indexOf(settle);
        if (index >= 0) progress.waiters.splice(index, 1);
        reject(
          new LumenError(
            "unavailable",
            `Events tracked here for '${customer}' are not in the stream yet; the decision must count them, retry`,
          ),
        );
      }, timeoutMs);
      const settle = (sequence: number) => {
        clearTimeout(timer);
        resolve(sequence);
      };
      progress.waiters.push(settle);
    });
  }

  /** Sends everything queued and resolves when the stream has confirmed it all (or `timeoutMs` passed). */
  async flush(timeoutMs = 10_000): Promise<boolean> {
    if (this.depth === 0) return true;
    this.retryDelay = this.settings.retryDelayMs;
    this.schedule(true);
    let timer: NodeJS.Timeout | undefined;
    const drained = await Promise.race([
      new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true))),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return drained;
  }

  /** Flushes, then refuses new events. */
  async close(timeoutMs = 10_000): Promise<boolean> {
    const drained = await this.flush(timeoutMs);
    this.closing = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    return drained;
  }

  private schedule(now = false): void {
    if (this.pumping) return;
    if (this.retryTimer && !now) return;
    if (this.retryTimer) {
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    this.pumping = true;
    setImmediate(() => {
      this.pumping = false;
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const batch = this.queue.splice(0, this.settings.maxBatch);
      this.inFlight += batch.length;
      void this.send(batch);
    }
  }

  private async send(batch: Queued[]): Promise<void> {
    try {
      const sequences = await this.options.publisher.publish(batch.map((item) => item.event));
      this.retryDelay = this.settings.retryDelayMs;
      for (let index = 0; index < batch.length; index++) {
        const { event, own } = batch[index]!;
        const sequence = sequences[index] ?? 0;
        own.sequence = sequence;
        own.confirmedAt = Date.now();
        this.settle(event, sequence);
      }
      this.inFlight -= batch.length;
    } catch (error) {
      this.options.onFailure?.(error, batch.length);
      this.inFlight -= batch.length;
      // Same events, same ids and keys, at the front: order per customer is kept and a resend never counts twice.
      this.queue.unshift(...batch);
      const delay = this.retryDelay;
      this.retryDelay = Math.min(this.retryDelay * 2, this.settings.maxRetryDelayMs);
      if (!this.retryTimer) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = null;
          this.schedule(true);
        }, delay);
        this.retryTimer.unref();
      }
    }
    if (this.depth === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private settle(event: UsageEvent, sequence: number): void {
    const key = customerKey(event.env, event.customer);
    const progress = this.progress.get(key);
    if (!progress) return;
    progress.unsettled--;
    if (sequence > progress.sequence) progress.sequence = sequence;
    if (progress.unsettled === 0) {
      for (const resolve of progress.waiters.splice(0)) resolve(progress.sequence);
      // Keep the sequence (a later consume waits for it), but do not grow without bound.
      if (this.progress.size > 100_000) this.progress.delete(key);
    }
  }

  private progressOf(env: LumenEnv, customer: string): CustomerProgress {
    const key = customerKey(env, customer);
    let progress = this.progress.get(key);
    if (!progress) {
      progress = { unsettled: 0, sequence: 0, waiters: [] };
      this.progress.set(key, progress);
    }
    return progress;
  }
}
