import {
  type Clock,
  type LumenEnv,
  type PipelineNames,
  QUERY_OPERATIONS,
  type Reservation,
  type UsageSources,
} from "@lumen/core";
import { createEventPublisher, type EventPublisher } from "@lumen/core/runtime";
import { LRUCache } from "lru-cache";
import type { JetStreamClient, JetStreamManager, NatsConnection } from "nats";
import type { Logger } from "pino";
import { serveRequests } from "../query/query-failure";
import type { CounterStore } from "../state/counter-store";
import { answerCheck } from "./check";
import { ClockTimes } from "./clock-times";
import { answerCommit } from "./commit-reservation";
import { answerConsume } from "./consume";
import { Decisions } from "./decisions";
import { expireReservations } from "./expire-reservations";
import { DEFAULT_OWNER_SETTINGS, type OwnerContext, type OwnerSettings } from "./owner-context";
import { OwnerPartition } from "./owner-partition";
import { lastSequence } from "./record-usage";
import { answerRelease } from "./release-reservation";
import { ReservationStore } from "./reservation-store";
import { answerReserve } from "./reserve";

const ENVS: readonly LumenEnv[] = ["test", "live"];
// Delete markers of finished reservations are dropped this often, by the owner of partition 0.
const PURGE_MARKERS_MS = 10 * 60_000;

type Verb = (input: { ctx: OwnerContext; owner: OwnerPartition; request: unknown }) => Promise<unknown>;

const VERBS: [string, Verb][] = [
  [QUERY_OPERATIONS.check, answerCheck],
  [QUERY_OPERATIONS.consume, answerConsume],
  [QUERY_OPERATIONS.reserve, answerReserve],
  [QUERY_OPERATIONS.commitReservation, answerCommit],
  [QUERY_OPERATIONS.releaseReservation, answerRelease],
];

/**
 * The owner's entitlement service (DESIGN step 5): per owned partition, answers checks, strict consumes and
 * reservations from the in-memory counters plus the usage pending in the stream. A partition answers only once it has
 * caught up: `openPartition` waits for this process's own unfinished writes of the partition, reads the partition's
 * last stream sequence (everything an earlier owner acknowledged is at or before it), loads the held reservations,
 * and its gate opens when the counters reach that sequence.
 */
export class OwnerService {
  private readonly partitions = new Map<number, OwnerPartition>();
  private readonly inflight = new Map<number, Set<Promise<unknown>>>();
  private readonly timers: NodeJS.Timeout[] = [];

  private constructor(
    private readonly nats: NatsConnection,
    readonly ctx: OwnerContext,
    private readonly publisher: EventPublisher,
    private readonly store: ReservationStore,
    private readonly clocks: ClockTimes,
  ) {}

  static async start({
    nats,
    js,
    jsm,
    names,
    partitions,
    sources,
    counters,
    clock,
    holds,
    countedKey,
    logger,
    settings,
  }: {
    nats: NatsConnection;
    js: JetStreamClient;
    jsm: JetStreamManager;
    names: PipelineNames;
    partitions: number;
    sources: UsageSources;
    counters: CounterStore;
    clock: Clock;
    holds: (partition: number) => boolean;
    countedKey: OwnerContext["countedKey"];
    logger: Logger;
    settings?: Partial<OwnerSettings>;
  }): Promise<OwnerService> {
    const full = { ...DEFAULT_OWNER_SETTINGS, ...settings };
    // Same options as the sidecar's and billing's handles, so whichever side comes first creates them alike.
    const [reservationsKv, clocksKv] = await Promise.all([
      js.views.kv(names.buckets.reservations, { history: 1 }),
      js.views.kv(names.buckets.clocks, { history: 1 }),
    ]);
    let service: OwnerService | null = null;
    const clocks = await ClockTimes.open({ kv: clocksKv, logger, onChange: () => service?.expire() });
    // Consumes wait for their PubAck: short timeouts, so that an answer comes well within a caller's patience.
    // One batch in flight per partition: consumes that arrive meanwhile leave together with the next (group commit).
    const publisher = createEventPublisher({
      js,
      names,
      partitions,
      publishTimeoutMs: 2_000,
      maxAttempts: 2,
      maxInFlightPerPartition: 1,
    });
    const store = new ReservationStore(reservationsKv, jsm, names.buckets.reservations);
    const ctx: OwnerContext = {
      partitions,
      names,
      jsm,
      sources,
      counters,
      clock,
      clocks,
      publisher,
      reservations: store,
      decisions: new Decisions(full.remembered),
      finished: new LRUCache<string, Reservation>({ max: full.remembered }),
      holds,
      countedKey,
      track: (partition, work) => service?.track(partition, work),
      settings: full,
      logger,
    };
    service = new OwnerService(nats, ctx, publisher, store, clocks);
    service.timers.push(setInterval(() => service?.expire(), full.sweepMs));
    service.timers.push(
      setInterval(() => {
        if (!holds(0)) return;
        store
          .purgeMarkers()
          .catch((error: unknown) => logger.warn({ err: error }, "purging reservation markers failed"));
      }, PURGE_MARKERS_MS),
    );
    return service;
  }

  /**
   * Starts answering for a partition whose counters hold the stream up to `countedSeq` (its recovered checkpoint).
   * Call once the lease is won and the counters are rebuilt; the answers wait until the partition has caught up.
   */
  async openPartition(partition: number, countedSeq: number): Promise<OwnerPartition> {
    const { ctx } = this;
    const owner = new OwnerPartition(partition, countedSeq);
    this.partitions.get(partition)?.close();
    this.partitions.set(partition, owner);
    try {
      // Consumes and reservations this process was still recording for an earlier generation of the partition land
      // before the sequence read below.
      await this.settled(partition);
      const stream = ctx.names.eventsStream;
      const last = await Promise.all(
        ENVS.map((env) => lastSequence(ctx.jsm, stream, ctx.names.eventsSubject(env, partition))),
      );
      for (const reservation of await this.store.loadHeld({ partition, partitions: ctx.partitions })) {
        owner.hold(reservation);
      }
      if (owner.closed) return owner;
      owner.subscriptions = VERBS.map(([operation, verb]) =>
        serveRequests({
          nats: this.nats,
          subject: ctx.names.ownerSubject(partition, operation),
          handle: (request) => verb({ ctx, owner, request }),
          logger: ctx.logger,
        }),
      );
      owner.gate.open(Math.max(...last));
      return owner;
    } catch (error) {
      void this.closePartition(owner);
      throw error;
    }
  }

  /** Stops answering for the partition (waiters get `unavailable`); resolves once its writes in flight settled. */
  async closePartition(owner: OwnerPartition): Promise<void> {
    owner.close();
    if (this.partitions.get(owner.partition) === owner) this.partitions.delete(owner.partition);
    await this.settled(owner.partition);
  }

  /** The counters of the partition now hold the stream up to `seq`. */
  applied(partition: number, seq: number): void {
    this.partitions.get(partition)?.gate.advance(seq);
  }

  /** The counters took (or dropped as a repeat) an event: its pending usage goes. Called in the same synchronous pass. */
  settle(partition: number, eventId: string): void {
    this.partitions.get(partition)?.pending.settle(eventId);
  }

  /** Ends reservations whose expiry has come in their customer's time. */
  expire(): void {
    for (const owner of this.partitions.values()) expireReservations({ ctx: this.ctx, owner });
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearInterval(timer);
    await Promise.all([...this.partitions.values()].map((owner) => this.closePartition(owner)));
    await this.publisher.close().catch(() => {});
    this.clocks.stop();
  }

  private track(partition: number, work: Promise<unknown>): void {
    let works = this.inflight.get(partition);
    if (!works) {
      works = new Set();
      this.inflight.set(partition, works);
    }
    works.add(work);
    const done = () => works.delete(work);
    work.then(done, done);
  }

  private async settled(partition: number): Promise<void> {
    const works = this.inflight.get(partition);
    if (works && works.size > 0) await Promise.allSettled([...works]);
  }
}
