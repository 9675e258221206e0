import type { Clock, LumenEnv, PipelineNames, Reservation, UsageSources } from "@lumen/core";
import type { EventPublisher } from "@lumen/core/runtime";
import type { LRUCache } from "lru-cache";
import type { JetStreamManager } from "nats";
import type { Logger } from "pino";
import type { CounterStore } from "../state/counter-store";
import type { ClockTimes } from "./clock-times";
import type { Decisions } from "./decisions";
import type { ReservationStore } from "./reservation-store";

export interface OwnerSettings {
  /** How long a request waits for its partition to catch up with the stream before it is answered `unavailable`. */
  catchUpTimeoutMs: number;
  /** Answers remembered for retries (consumes, reservations) and finished reservations remembered. */
  remembered: number;
  /** How often held reservations are checked for expiry (a test clock's move checks at once). */
  sweepMs: number;
}

export const DEFAULT_OWNER_SETTINGS: OwnerSettings = { catchUpTimeoutMs: 4_000, remembered: 50_000, sweepMs: 1_000 };

/** What the owner's verbs (check, consume, reservations) work with; one per aggregator. */
export interface OwnerContext {
  partitions: number;
  names: PipelineNames;
  /** Reads a subject's last stream sequence (after a publish the stream did not confirm). */
  jsm: Pick<JetStreamManager, "streams">;
  sources: UsageSources;
  counters: CounterStore;
  /** The wall clock: the time of customers without a test clock. */
  clock: Clock;
  clocks: Pick<ClockTimes, "time">;
  publisher: Pick<EventPublisher, "publish">;
  reservations: Pick<ReservationStore, "put" | "remove">;
  decisions: Decisions;
  /** Reservations committed, released or expired, by `reservationKey`: retried actions are answered from here. */
  finished: LRUCache<string, Reservation>;
  /**
   * The stream sequence of the counted event of an idempotency key, when known without a lookup (the hot keys): a
   * consume retried after its answer was lost (a takeover) is answered as recorded rather than decided again.
   */
  countedKey(env: LumenEnv, customer: string, key: string): number | undefined;
  /** Whether this aggregator holds the partition's lease, renewed recently enough to act on it. */
  holds(partition: number): boolean;
  /** Work that may still put something in the stream or the bucket for the partition: awaited at its next start. */
  track(partition: number, work: Promise<unknown>): void;
  settings: OwnerSettings;
  logger: Logger;
}
