import {
  applyToCounter,
  type CustomerDefinition,
  counterKey,
  customerKey,
  type LumenEnv,
  LumenError,
  periodOfSchedule,
  pipelineNames,
  type Reservation,
  resetScheduleOf,
  type UsageEvent,
} from "@lumen/core";
import { LRUCache } from "lru-cache";
import { pino } from "pino";
import { Decisions } from "../owner/decisions";
import { DEFAULT_OWNER_SETTINGS, type OwnerContext } from "../owner/owner-context";
import { OwnerPartition } from "../owner/owner-partition";
import { reservationKey } from "../owner/reservation-store";
import { CounterStore } from "../state/counter-store";
import { TEST_CATALOG } from "./catalog";

/** An owner of partition 0 (of 1) with no NATS: the stream, the buckets and the clocks are in memory. */
export interface FakeOwner {
  ctx: OwnerContext;
  owner: OwnerPartition;
  /** Events the owner put in the stream, in order. */
  published: UsageEvent[];
  /** The reservations bucket. */
  stored: Map<string, Reservation>;
  define(definition: CustomerDefinition): void;
  /** The wall clock (ms). */
  setNow(now: number): void;
  setClock(clock: string, frozenTime: number): void;
  /** The next `count` publishes are not confirmed by the stream; with `landed`, it stored them all the same. */
  failPublishes(count: number, options?: { landed?: boolean }): void;
  /** Events the stream stored without confirming them. */
  unconfirmed: UsageEvent[];
  /** The lease is (no longer) held. */
  setHolds(holds: boolean): void;
  /** Delivers stream events to the counters as the flusher does: applied, settled, the partition advanced. */
  apply(events: readonly UsageEvent[]): void;
  /** Waits for callbacks queued by the owner (PubAcks are answered on the next turn). */
  tick(): Promise<void>;
}

export function fakeOwner({ now = Date.UTC(2026, 10, 15) }: { now?: number } = {}): FakeOwner {
  const definitions = new Map<string, CustomerDefinition>();
  const clocks = new Map<string, number>();
  const counters = new CounterStore();
  const published: UsageEvent[] = [];
  const unconfirmed: UsageEvent[] = [];
  const sequences = new Map<string, number>();
  const stored = new Map<string, Reservation>();
  const counted = new Map<string, number>();
  let streamSeq = 0;
  let failing = 0;
  let landing = false;
  let holds = true;
  let wall = now;
  const ctx: OwnerContext = {
    partitions: 1,
    names: pipelineNames("fake"),
    jsm: {
      streams: { getMessage: async () => ({ seq: streamSeq }) },
    } as unknown as OwnerContext["jsm"],
    sources: {
      catalogOf: (env: LumenEnv) => (env === TEST_CATALOG.env ? TEST_CATALOG : undefined),
      definitionOf: (env: LumenEnv, customer: string) => definitions.get(customerKey(env, customer)),
    },
    counters,
    clock: { now: () => new Date(wall) },
    clocks: { time: (clock: string) => clocks.get(clock) },
    publisher: {
      async publish(events) {
        await new Promise((resolve) => setImmediate(resolve));
        if (failing > 0) {
          failing--;
          if (landing) {
            const seq = ++streamSeq;
            for (const event of events) sequences.set(event.id, seq);
            unconfirmed.push(...events);
          }
          throw new LumenError("internal", "The event stream did not confirm the events");
        }
        const seq = ++streamSeq;
        for (const event of events) {
          published.push(event);
          sequences.set(event.id, seq);
        }
        return events.map(() => seq);
      },
    },
    reservations: {
      async put(reservation) {
        stored.set(reservationKey(reservation.env, reservation.id), reservation);
      },
      async remove(env, id) {
        stored.delete(reservationKey(env, id));
      },
    },
    decisions: new Decisions(1_000),
    finished: new LRUCache<string, Reservation>({ max: 1_000 }),
    holds: () => holds,
    countedKey: (env, customer, key) => counted.get(`${env}\u0000${customer}\u0000${key}`),
    track: () => {},
    settings: { ...DEFAULT_OWNER_SETTINGS, catchUpTimeoutMs: 200 },
    logger: pino({ level: "silent" }),
  };
  const owner = new OwnerPartition(0, 0);
  owner.gate.open(0);
  return {
    ctx,
    owner,
    published,
    unconfirmed,
    stored,
    define: (definition) => definitions.set(customerKey(definition.env, definition.customer), definition),
    setNow: (time) => {
      wall = time;
    },
    setClock: (clock, frozenTime) => clocks.set(clock, frozenTime),
    failPublishes: (count, { landed = false } = {}) => {
      failing = count;
      landing = landed;
    },
    setHolds: (value) => {
      holds = value;
    },
    apply(events) {
      for (const event of events) {
        const seq = sequences.get(event.id) ?? ++streamSeq;
        const definition = definitions.get(customerKey(event.env, event.customer));
        const feature = event.feature!;
        const schedule = resetScheduleOf({ definition, catalog: TEST_CATALOG, feature });
        const usage = counters.customer(0, event.env, event.customer);
        const application = {
          period: periodOfSchedule(schedule, event.timestamp),
          timestamp: event.timestamp,
          seq,
          index: 0,
          reading: event.value,
          token: null,
        };
        const key = counterKey(feature, null);
        usage.counters.set(key, applyToCounter(usage.counters.get(key), application));
        owner.pending.settle(event.id);
        if (event.idempotencyKey) counted.set(`${event.env}\u0000${event.customer}\u0000${event.idempotencyKey}`, seq);
        owner.gate.advance(seq);
      }
    },
    tick: () => new Promise((resolve) => setTimeout(resolve, 5)),
  };
}
