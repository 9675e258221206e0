import { errorFromResponse, type LumenError } from "./errors";
import { attemptOnce, backoff, type CallOutcome, isTransient } from "./sidecar-calls";
import { MSGPACK, type SidecarTransport } from "./sidecar-transport";
import type { DropReason, TrackDrop, TrackEvent, TrackStats } from "./sidecar-types";

/** `track` settings (the `track` option of `new Lumen`). */
export interface TrackOptions {
  /** Events held in memory at most; when full the oldest is dropped (and reported). Default 100 000. */
  maxQueue?: number;
  /** Events per request, at most 1000 (the sidecar's batch limit). Default 500. */
  maxBatch?: number;
  /** How long an event waits for company before its batch leaves. Default 50 ms. */
  flushIntervalMs?: number;
  /** Retries of a batch after a connection failure, 429 or 5xx before its events are dropped. Default 8 (~16 s). */
  maxRetries?: number;
  /**
   * Flush on the process's `beforeExit` (best effort: not emitted on `process.exit()` or a signal; call
   * `lumen.close()` in your shutdown handler for those). Default false.
   */
  flushOnExit?: boolean;
}

export const TRACK_DEFAULTS = {
  maxQueue: 100_000,
  maxBatch: 500,
  flushIntervalMs: 50,
  maxRetries: 8,
  flushOnExit: false,
} as const satisfies Required<TrackOptions>;

const MAX_BATCH_LIMIT = 1000;
const RETRY_INITIAL_MS = 100;
const RETRY_MAX_MS = 5_000;

interface Entry {
  seq: number;
  event: TrackEvent;
}

interface Waiter {
  through: number;
  resolve: () => void;
}

/** Node's timers hold the process open unless unref'd; a browser's are plain numbers. */
type Timer = ReturnType<typeof setTimeout> & { ref?: () => void; unref?: () => void };

/**
 * The fire-and-forget queue behind `lumen.track` (PRODUCT §9): events get an idempotency key when queued, leave in
 * MessagePack batches of up to `maxBatch` (or after `flushIntervalMs`), one batch at a time and in order, and a
 * failed batch is sent again with the same keys, so a retry never counts twice. Nothing here throws at the
 * caller or holds the process open, except while a `flush()` is awaited.
 */
export class TrackBuffer {
  readonly #transport: SidecarTransport;
  readonly #settings: Required<TrackOptions> & { timeoutMs: number };
  readonly #onDrop: (drop: TrackDrop) => void;
  #items: Entry[] = [];
  #head = 0;
  #sending: Entry[] = [];
  #nextSeq = 1;
  #sent = 0;
  #dropped = 0;
  #waiters: Waiter[] = [];
  #timer: Timer | null = null;
  #backoffTimer: Timer | null = null;
  #running: Promise<void> | null = null;
  #closed = false;
  #exitHook: (() => void) | null = null;

  constructor({
    transport,
    options = {},
    timeoutMs,
    onDrop,
  }: {
    transport: SidecarTransport;
    options?: TrackOptions;
    timeoutMs: number;
    onDrop: (drop: TrackDrop) => void;
  }) {
    const settings = { ...TRACK_DEFAULTS, ...stripUndefined({ ...options }), timeoutMs };
    positiveInteger("track.maxQueue", settings.maxQueue);
    positiveInteger("track.maxBatch", settings.maxBatch);
    if (settings.maxBatch > MAX_BATCH_LIMIT) {
      throw new RangeError(`track.maxBatch must be at most ${MAX_BATCH_LIMIT}, got ${settings.maxBatch}`);
    }
    if (!(settings.flushIntervalMs >= 0)) {
      throw new RangeError(`track.flushIntervalMs must be ≥ 0, got ${settings.flushIntervalMs}`);
    }
    if (!Number.isInteger(settings.maxRetries) || settings.maxRetries < 0) {
      throw new RangeError(`track.maxRetries must be a whole number ≥ 0, got ${settings.maxRetries}`);
    }
    this.#transport = transport;
    this.#settings = settings;
    this.#onDrop = onDrop;
  }

  /** Queues one event; returns at once and never throws (a bad event is reported through `onDrop`). */
  enqueue(event: TrackEvent): void {
    if (this.#closed) {
      this.#drop([event], "closed");
      return;
    }
    let prepared: TrackEvent;
    try {
      prepared = prepareEvent(event);
    } catch (error) {
      const cause = error instanceof Error ? error : new Error(String(error));
      this.#drop([event], "rejected", cause);
      return;
    }
    if (this.#settings.flushOnExit) this.#watchExit();
    if (this.#queued() >= this.#settings.maxQueue) {
      const oldest = this.#items[this.#head]!;
      this.#head++;
      this.#drop([oldest.event], "queue_full");
    }
    this.#items.push({ seq: this.#nextSeq++, event: prepared });
    if (this.#queued() >= this.#settings.maxBatch) this.#pump();
    else this.#arm();
  }

  /** Resolves once every event queued before the call is accepted by the sidecar or dropped. */
  flush(): Promise<void> {
    const through = this.#nextSeq - 1;
    if (this.#lowestUnsettled() > through) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#waiters.push({ through, resolve }));
    // Awaited: the process must stay up until the events are out.
    this.#backoffTimer?.ref?.();
    this.#pump();
    return done;
  }

  /** Flushes, then stops: later events are dropped (`closed`). */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
    this.#clearTimer();
    if (this.#exitHook) process.off("beforeExit", this.#exitHook);
    this.#exitHook = null;
  }

  stats(): TrackStats {
    return { queued: this.#queued(), sending: this.#sending.length, sent: this.#sent, dropped: this.#dropped };
  }

  #queued(): number {
    return this.#items.length - this.#head;
  }

  /** The oldest event neither accepted nor dropped (batches leave in order, so it is first in flight or queue). */
  #lowestUnsettled(): number {
    return this.#sending[0]?.seq ?? this.#items[this.#head]?.seq ?? Number.POSITIVE_INFINITY;
  }

  /** Starts sending now, unless a send is running (it goes on while batches are full or a flush waits). */
  #pump(): void {
    if (this.#running) return;
    this.#clearTimer();
    // After the caller's synchronous code: `track` never does the sending itself, even for an in-process sidecar.
    this.#running = Promise.resolve()
      .then(() => this.#drain())
      .finally(() => {
        this.#running = null;
        if (this.#waiters.length > 0 || this.#queued() >= this.#settings.maxBatch) this.#pump();
        else this.#arm();
      });
  }

  async #drain(): Promise<void> {
    let due = true;
    while (this.#queued() > 0 && (due || this.#queued() >= this.#settings.maxBatch || this.#waiters.length > 0)) {
      due = false;
      this.#sending = this.#take(this.#settings.maxBatch);
      try {
        await this.#deliver(this.#sending);
      } catch (error) {
        // Only a bug could land here; never lose the events silently.
        this.#drop(
          this.#sending.map((entry) => entry.event),
          "gave_up",
          error instanceof Error ? error : new Error(String(error)),
        );
      }
      this.#sending = [];
      this.#settle();
    }
  }

  /** Sends one batch until accepted or hopeless; a batch refused whole (400, 413) is halved to find the culprit. */
  async #deliver(batch: Entry[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const outcome = await attemptOnce({
        transport: this.#transport,
        request: {
          method: "POST",
          path: "/v1/track",
          body: { events: batch.map((entry) => entry.event) },
          contentType: MSGPACK,
        },
        timeoutMs: this.#settings.timeoutMs,
      });
      if (outcome.ok) return this.#accepted(batch, outcome);
      const status = outcome.error.status;
      if (outcome.answered && (status === 400 || status === 413) && batch.length > 1) {
        const middle = batch.length >>> 1;
        await this.#deliver(batch.slice(0, middle));
        await this.#deliver(batch.slice(middle));
        return;
      }
      const events = batch.map((entry) => entry.event);
      if (!isTransient(outcome)) return this.#drop(events, "rejected", outcome.error);
      if (attempt >= this.#settings.maxRetries) return this.#drop(events, "gave_up", outcome.error);
      await this.#sleep(backoff(attempt, RETRY_INITIAL_MS, RETRY_MAX_MS));
    }
  }

  /** A 202: `{queued, rejected?: [{index, error}]}`; the rejected events are invalid, not worth resending. */
  #accepted(batch: Entry[], outcome: CallOutcome & { ok: true }): void {
    const rejected = readRejected(outcome.body);
    for (const { index, error } of rejected) {
      const entry = batch[index];
      if (entry) this.#drop([entry.event], "rejected", error);
    }
    this.#sent += batch.length - rejected.filter(({ index }) => batch[index]).length;
  }

  #take(count: number): Entry[] {
    const taken = this.#items.slice(this.#head, this.#head + count);
    this.#head += taken.length;
    // Compact once the consumed prefix is most of the array, so that a long run does not grow it forever.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return taken;
  }

  #drop(events: TrackEvent[], reason: DropReason, error?: Error): void {
    this.#dropped += events.length;
    try {
      this.#onDrop(error ? { events, reason, error } : { events, reason });
    } catch {
      // The application's hook failed; the count above still says what was lost.
    }
    if (reason === "queue_full") this.#settle();
  }

  #settle(): void {
    const lowest = this.#lowestUnsettled();
    const ready = this.#waiters.filter((waiter) => waiter.through < lowest);
    if (ready.length === 0) return;
    this.#waiters = this.#waiters.filter((waiter) => waiter.through >= lowest);
    for (const waiter of ready) waiter.resolve();
  }

  /** Waits `flushIntervalMs` for more events, without holding the process open. */
  #arm(): void {
    if (this.#timer || this.#running || this.#queued() === 0) return;
    const timer: Timer = setTimeout(() => {
      this.#timer = null;
      this.#pump();
    }, this.#settings.flushIntervalMs);
    timer.unref?.();
    this.#timer = timer;
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer: Timer = setTimeout(() => {
        this.#backoffTimer = null;
        resolve();
      }, ms);
      if (this.#waiters.length === 0) timer.unref?.();
      this.#backoffTimer = timer;
    });
  }

  #watchExit(): void {
    if (this.#exitHook || typeof process === "undefined" || typeof process.on !== "function") return;
    this.#exitHook = () => {
      if (this.#lowestUnsettled() !== Number.POSITIVE_INFINITY) void this.flush();
    };
    process.on("beforeExit", this.#exitHook);
  }
}

/**
 * A copy of the event as it will be sent: its own idempotency key (given now, so that every resend carries the
 * same one), the time as an ISO string, no undefined fields. Throws for what cannot be an event.
 */
export function prepareEvent(event: TrackEvent): TrackEvent {
  if (event === null || typeof event !== "object" || Array.isArray(event)) {
    throw new TypeError("An event must be an object such as { customer, feature, value }");
  }
  const prepared: Record<string, unknown> = stripUndefined({ ...event });
  if (event.timestamp instanceof Date) prepared.timestamp = event.timestamp.toISOString();
  if (event.properties && typeof event.properties === "object") prepared.properties = { ...event.properties };
  if (event.idempotencyKey === undefined || event.idempotencyKey === null)
    prepared.idempotencyKey = crypto.randomUUID();
  return prepared as unknown as TrackEvent;
}

function readRejected(body: unknown): { index: number; error: LumenError }[] {
  if (typeof body !== "object" || body === null || !("rejected" in body) || !Array.isArray(body.rejected)) return [];
  const rejected: { index: number; error: LumenError }[] = [];
  for (const item of body.rejected as unknown[]) {
    if (typeof item !== "object" || item === null) continue;
    const { index, error } = item as { index?: unknown; error?: unknown };
    if (typeof index !== "number") continue;
    rejected.push({ index, error: errorFromResponse({ status: 400, body: { error }, requestIdHeader: null }) });
  }
  return rejected;
}

function stripUndefined<T extends object>(value: T): T {
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (record[key] === undefined) delete record[key];
  return value;
}

function positiveInteger(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a whole number ≥ 1, got ${value}`);
}
