import type { JetStreamClient } from "nats";
import { LumenError } from "../errors";
import type { LumenEnv, UsageEvent } from "../events/usage-event";
import { newId } from "../ids";
import { encodeBatch } from "../pipeline/codec";
import type { PipelineNames } from "../pipeline/names";
import { partitionOf } from "../pipeline/partition";

/** Metrics hooks; called synchronously, keep them cheap. */
export interface PublishObserver {
  batchPublished?(batch: { events: number; bytes: number; seconds: number; attempts: number }): void;
  batchFailed?(batch: { events: number; error: unknown }): void;
}

export interface EventPublisherOptions {
  /** Only `publish` is used, so tests can hand in a fake. */
  js: Pick<JetStreamClient, "publish">;
  names: PipelineNames;
  partitions: number;
  /** How long the first event of a partition waits for company before its batch leaves. */
  lingerMs?: number;
  /** A partition's batch leaves at once when it holds this many events. */
  maxBatchEvents?: number;
  /** The NATS server's max_payload: larger batches are split. */
  maxMessageBytes?: number;
  /** Events queued or in flight across all partitions; beyond it `publish` rejects with `rate_limited`. */
  maxQueuedEvents?: number;
  maxInFlightPerPartition?: number;
  /** Time to wait for one PubAck. */
  publishTimeoutMs?: number;
  /** Attempts per batch (same batch id each time, so the stream drops a repeat that did land). */
  maxAttempts?: number;
  retryDelayMs?: number;
  observer?: PublishObserver;
}

/** Puts usage events in the stream in batches, and says when they are durable. */
export interface EventPublisher {
  /**
   * Resolves once every event is in the stream (PubAck). Rejects at once with `rate_limited` when the queue is
   * full, and with `internal` when the stream did not confirm a batch: then none of the caller's events may be
   * reported as accepted (some may have landed; idempotency keys make a resend safe). Resolves to each event's
   * stream sequence (of its batch), in the order given: a reader knows an event is applied once the partition's
   * owner reports that sequence (read-your-own-writes in the sidecar).
   */
  publish(events: readonly UsageEvent[]): Promise<number[]>;
  /** Events queued or in flight. */
  readonly queuedEvents: number;
  /** Sends everything queued at once, waits for the PubAcks, then refuses new events. */
  close(): Promise<void>;
}

export const PUBLISHER_DEFAULTS = {
  lingerMs: 2,
  maxBatchEvents: 500,
  maxMessageBytes: 1024 * 1024,
  maxQueuedEvents: 100_000,
  maxInFlightPerPartition: 4,
  publishTimeoutMs: 5_000,
  maxAttempts: 3,
  retryDelayMs: 100,
} as const;

interface Waiter {
  remaining: number;
  settled: boolean;
  /** Stream sequence per event of the caller's array. */
  sequences: number[];
  resolve(sequences: number[]): void;
  reject(error: unknown): void;
}

/** The queue of one subject: one environment's partition. */
interface Lane {
  subject: string;
  partition: number;
  events: UsageEvent[];
  /** Parallel to `events`: whose publish call each event belongs to, and its index in that call. */
  waiters: Waiter[];
  slots: number[];
  inFlight: number;
  /** Cancels the pending linger timer, when one runs. */
  cancelTimer: (() => void) | null;
  /** The oldest queued event has lingered long enough. */
  due: boolean;
}

export function createEventPublisher(options: EventPublisherOptions): EventPublisher {
  const settings = { ...PUBLISHER_DEFAULTS, ...definedOnly(options) };
  const { js, names, partitions, observer } = options;
  const lanes: (Lane | undefined)[] = new Array(partitions * 2);
  let pending = 0;
  let closing = false;
  let onIdle: (() => void) | null = null;
  let closed: Promise<void> | null = null;

  function laneOf(env: LumenEnv, customer: string): Lane {
    const partition = partitionOf(env, customer, partitions);
    const index = partition * 2 + (env === "live" ? 1 : 0);
    let lane = lanes[index];
    if (!lane) {
      lane = {
        subject: names.eventsSubject(env, partition),
        partition,
        events: [],
        waiters: [],
        slots: [],
        inFlight: 0,
        cancelTimer: null,
        due: false,
      };
      lanes[index] = lane;
    }
    return lane;
  }

  function schedule(lane: Lane): void {
    if (lane.events.length >= settings.maxBatchEvents || lane.due || closing) {
      pump(lane);
      return;
    }
    startTimer(lane);
  }

  function startTimer(lane: Lane): void {
    if (lane.cancelTimer !== null) return;
    const fire = () => {
      lane.cancelTimer = null;
      lane.due = true;
      pump(lane);
    };
    // Group commit: a lane with nothing in flight sends at the end of this tick (low latency when quiet);
    // a busy lane gathers events until a PubAck frees it or the linger time passes (big batches under load).
    if (settings.lingerMs <= 0 || lane.inFlight === 0) {
      const immediate = setImmediate(fire);
      lane.cancelTimer = () => clearImmediate(immediate);
    } else {
      const timeout = setTimeout(fire, settings.lingerMs);
      lane.cancelTimer = () => clearTimeout(timeout);
    }
  }

  function pump(lane: Lane): void {
    while (
      lane.inFlight < settings.maxInFlightPerPartition &&
      lane.events.length > 0 &&
      (lane.events.length >= settings.maxBatchEvents || lane.due || closing)
    ) {
      let events: UsageEvent[];
      let waiters: Waiter[];
      let slots: number[];
      if (lane.events.length <= settings.maxBatchEvents) {
        events = lane.events;
        waiters = lane.waiters;
        slots = lane.slots;
        lane.events = [];
        lane.waiters = [];
        lane.slots = [];
      } else {
        events = lane.events.splice(0, settings.maxBatchEvents);
        waiters = lane.waiters.splice(0, settings.maxBatchEvents);
        slots = lane.slots.splice(0, settings.maxBatchEvents);
      }
      lane.inFlight++;
      void send(lane, events, waiters, slots).finally(() => {
        lane.inFlight--;
        if (lane.events.length > 0) lane.due = true;
        pump(lane);
        if (pending === 0) onIdle?.();
      });
    }
    if (lane.events.length === 0) {
      lane.due = false;
      lane.cancelTimer?.();
      lane.cancelTimer = null;
    } else if (!lane.due) {
      startTimer(lane);
    }
  }

  async function send(lane: Lane, events: UsageEvent[], waiters: Waiter[], slots: number[]): Promise<void> {
    const batch = { v: 1 as const, id: newId("bat"), partition: lane.partition, events };
    let bytes: Uint8Array;
    try {
      bytes = encodeBatch(batch);
    } catch (error) {
      settle(events.length, waiters, slots, 0, error);
      return;
    }
    if (bytes.length > settings.maxMessageBytes && events.length > 1) {
      // Rare (events near the property limits): halve until each part fits in one NATS message.
      const half = Math.ceil(events.length / 2);
      await Promise.all([
        send(lane, events.slice(0, half), waiters.slice(0, half), slots.slice(0, half)),
        send(lane, events.slice(half), waiters.slice(half), slots.slice(half)),
      ]);
      return;
    }
    const started = performance.now();
    let lastError: unknown;
    for (let attempt = 1; attempt <= settings.maxAttempts; attempt++) {
      try {
        const ack = await js.publish(lane.subject, bytes, { msgID: batch.id, timeout: settings.publishTimeoutMs });
        const seconds = (performance.now() - started) / 1000;
        observer?.batchPublished?.({ events: events.length, bytes: bytes.length, seconds, attempts: attempt });
        // A repeat of a batch that did land is acknowledged as a duplicate with the original's sequence.
        settle(events.length, waiters, slots, ack?.seq ?? 0, null);
        return;
      } catch (error) {
        lastError = error;
        if (attempt < settings.maxAttempts) await delay(settings.retryDelayMs * attempt);
      }
    }
    observer?.batchFailed?.({ events: events.length, error: lastError });
    const reason = lastError instanceof Error ? lastError.message : String(lastError);
    settle(
      events.length,
      waiters,
      slots,
      0,
      new LumenError("internal", `The event stream did not confirm the events (${reason}); send them again`),
    );
  }

  function settle(count: number, waiters: Waiter[], slots: number[], sequence: number, error: unknown): void {
    pending -= count;
    for (let index = 0; index < waiters.length; index++) {
      const waiter = waiters[index]!;
      if (waiter.settled) continue;
      if (error !== null) {
        waiter.settled = true;
        waiter.reject(error);
        continue;
      }
      waiter.sequences[slots[index]!] = sequence;
      if (--waiter.remaining === 0) {
        waiter.settled = true;
        waiter.resolve(waiter.sequences);
      }
    }
  }

  return {
    publish(events) {
      if (closing) return Promise.reject(new LumenError("internal", "Ingest is shutting down; send the events again"));
      if (events.length === 0) return Promise.resolve([]);
      if (pending + events.length > settings.maxQueuedEvents) {
        return Promise.reject(
          new LumenError(
            "rate_limited",
            `Too many events are waiting for the stream (${pending} queued); retry after a second`,
          ),
        );
      }
      pending += events.length;
      return new Promise<number[]>((resolve, reject) => {
        const sequences = new Array<number>(events.length).fill(0);
        const waiter: Waiter = { remaining: events.length, settled: false, sequences, resolve, reject };
        const touched = new Set<Lane>();
        for (let slot = 0; slot < events.length; slot++) {
          const event = events[slot]!;
          const lane = laneOf(event.env, event.customer);
          lane.events.push(event);
          lane.waiters.push(waiter);
          lane.slots.push(slot);
          touched.add(lane);
        }
        for (const lane of touched) schedule(lane);
      });
    },
    get queuedEvents() {
      return pending;
    },
    close() {
      closed ??= new Promise<void>((resolve) => {
        closing = true;
        onIdle = resolve;
        for (const lane of lanes) if (lane) pump(lane);
        if (pending === 0) resolve();
      });
      return closed;
    },
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined)) as Partial<T>;
}
