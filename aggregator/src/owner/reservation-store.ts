import { decodeMessage, encodeMessage, type LumenEnv, partitionOf, type Reservation, subjectToken } from "@lumen/core";
import type { JetStreamManager, KV } from "nats";

/** How long loading a partition's reservations may take before the partition's start fails (and is retried). */
const LOAD_TIMEOUT_MS = 10_000;

/** Key of a reservation in the reservations bucket (what sidecars look up to find its customer). */
export function reservationKey(env: LumenEnv, id: string): string {
  return `${env}.${subjectToken(id)}`;
}

/**
 * Held reservations in the reservations bucket, so that a new owner takes them over. Only held ones are kept: a
 * reservation's entry goes when it is committed, released or expires (its owner remembers the outcome for retries).
 */
export class ReservationStore {
  constructor(
    private readonly kv: KV,
    private readonly jsm: JetStreamManager,
    private readonly bucket: string,
  ) {}

  async put(reservation: Reservation): Promise<void> {
    await this.kv.put(reservationKey(reservation.env, reservation.id), encodeMessage(reservation));
  }

  async remove(env: LumenEnv, id: string): Promise<void> {
    await this.kv.delete(reservationKey(env, id));
  }

  /**
   * The held reservations of one partition's customers. The bucket's keys do not name the partition, so this reads
   * the whole bucket (held reservations only: work in progress), up to the entry after which the server had nothing
   * pending (rather than the watch's "initialized" signal, which can stop the iterator with entries still queued).
   */
  async loadHeld({ partition, partitions }: { partition: number; partitions: number }): Promise<Reservation[]> {
    const info = await this.jsm.streams.info(`KV_${this.bucket}`);
    if (info.state.messages === 0) return [];
    const held = new Map<string, Reservation>();
    const watch = await this.kv.watch();
    const timer = setTimeout(() => watch.stop(), LOAD_TIMEOUT_MS);
    let complete = false;
    try {
      for await (const entry of watch) {
        if (entry.operation !== "PUT") held.delete(entry.key);
        else {
          const reservation = decodeReservation(entry.value);
          if (reservation && partitionOf(reservation.env, reservation.customer, partitions) === partition) {
            held.set(entry.key, reservation);
          }
        }
        if (entry.delta === 0) {
          complete = true;
          break;
        }
      }
    } finally {
      clearTimeout(timer);
      watch.stop();
    }
    if (!complete) throw new Error("reading the reservations bucket did not complete in time");
    return [...held.values()].filter((reservation) => reservation.status === "held");
  }

  /** Drops delete markers older than 30 minutes (each finished reservation leaves one). */
  async purgeMarkers(): Promise<void> {
    // nats.js has it on its bucket, not on the KV interface.
    await (this.kv as KV & { purgeDeletes?: () => Promise<unknown> }).purgeDeletes?.();
  }
}

function decodeReservation(value: Uint8Array): Reservation | null {
  try {
    const reservation = decodeMessage<Reservation>(value);
    const valid =
      typeof reservation === "object" &&
      reservation !== null &&
      typeof reservation.id === "string" &&
      (reservation.env === "test" || reservation.env === "live") &&
      typeof reservation.customer === "string" &&
      typeof reservation.feature === "string" &&
      typeof reservation.quantity === "number" &&
      typeof reservation.expiresAt === "number";
    return valid ? reservation : null;
  } catch {
    return null;
  }
}
