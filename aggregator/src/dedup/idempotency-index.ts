import { IDEMPOTENCY_WINDOW_MS, repeatsWithinWindow, type UsageEvent } from "@lumen/core";
import { LRUCache } from "lru-cache";
import type { ClickHouse } from "../clickhouse";
import {
  fullKey,
  type KeyOccurrence,
  type KeyRow,
  loadKeyHashes,
  lookupKeyOccurrences,
} from "../storage/idempotency-store";
import { KeyFilter } from "./key-filter";
import { idempotencyHash } from "./key-hash";

export interface PositionedBatch {
  partition: number;
  /** Bumped each time the partition is (re)started: what an older generation remembered is not trusted. */
  generation: number;
  seq: number;
  events: readonly UsageEvent[];
}

interface CachedOccurrence extends KeyOccurrence {
  generation: number;
}

interface PartitionFilter {
  generation: number;
  /** Null once full: every key not in the cache is then looked up. */
  filter: KeyFilter | null;
  /** Keys received before this were not loaded: events whose window reaches further back are looked up. */
  loadedSince: number;
}

/**
 * Exact dedup of idempotency keys per (env, customer) over 35 days. An event repeats a key when a counted
 * occurrence sits *earlier in its partition's stream* and arrived within the window. Positions, not ids or clocks,
 * decide: a batch replayed after a crash finds its own events at the same positions (not earlier), so it decides
 * exactly as the first time.
 *
 * Three layers answer, cheapest first: a hot LRU of each key's newest counted occurrence; a Bloom filter per
 * partition (filled from ClickHouse when the partition starts) that rules out keys never counted; and, for the
 * keys neither can settle, one lookup of `idempotency_keys` per flush. What an older generation of a partition
 * remembered is not trusted: after a takeover, another owner may have counted since.
 */
export class IdempotencyIndex {
  private readonly cache: LRUCache<string, CachedOccurrence>;
  private readonly filters = new Map<number, PartitionFilter>();
  private found = new Map<string, KeyOccurrence[]>();

  constructor(
    private readonly clickhouse: ClickHouse,
    private readonly options: {
      cacheSize: number;
      filterCapacity: number;
      /** How long an event may wait in the stream (its max age): keys are loaded that much beyond the window. */
      replayMs: number;
    },
  ) {
    this.cache = new LRUCache({ max: options.cacheSize });
  }

  /** Loads a partition's keys into its filter; call when it starts, after recovery. */
  async startPartition(partition: number, generation: number, now: number): Promise<void> {
    const loadedSince = now - IDEMPOTENCY_WINDOW_MS - this.options.replayMs;
    const limit = this.options.filterCapacity;
    const hashes = await loadKeyHashes({ clickhouse: this.clickhouse, partition, since: loadedSince, limit });
    let filter: KeyFilter | null = null;
    if (hashes !== null) {
      filter = new KeyFilter(limit);
      for (const hash of hashes) filter.add(hash);
    }
    this.filters.set(partition, { generation, filter, loadedSince });
  }

  stopPartition(partition: number): void {
    this.filters.delete(partition);
  }

  /** Looks up, in one query, every key of the batches that neither the cache nor the filters can decide. */
  async prepare(batches: readonly PositionedBatch[]): Promise<void> {
    const hashes = new Set<number>();
    const partitions = new Set<number>();
    let since = Number.POSITIVE_INFINITY;
    for (const { partition, seq, generation, events } of batches) {
      const filter = this.filters.get(partition);
      const usable = filter?.generation === generation ? filter : undefined;
      for (const event of events) {
        if (event.idempotencyKey === null) continue;
        const hash = idempotencyHash(event.env, event.customer, event.idempotencyKey);
        if (
          usable?.filter &&
          event.receivedAt - IDEMPOTENCY_WINDOW_MS >= usable.loadedSince &&
          !usable.filter.mightContain(hash)
        ) {
          continue;
        }
        const cached = this.cache.get(fullKey(event.env, event.customer, event.idempotencyKey));
        if (cached !== undefined && cached.generation === generation && cached.seq < seq) continue;
        hashes.add(hash);
        partitions.add(partition);
        if (event.receivedAt < since) since = event.receivedAt;
      }
    }
    this.found =
      hashes.size === 0
        ? new Map()
        : await lookupKeyOccurrences({ clickhouse: this.clickhouse, partitions, hashes, since });
  }

  /**
   * Whether the event at (seq, index) of a partition counts: true for its key's first occurrence (remembered from
   * then on), false for a repeat. Events without a key always count. Call in stream order after `prepare`.
   */
  decide(event: UsageEvent, partition: number, seq: number, index: number, generation: number): boolean {
    if (event.idempotencyKey === null) return true;
    const name = fullKey(event.env, event.customer, event.idempotencyKey);
    let latest: KeyOccurrence | undefined;
    const cached = this.cache.get(name);
    if (cached !== undefined && cached.generation === generation && isBefore(cached, seq, index)) latest = cached;
    for (const occurrence of this.found.get(name) ?? []) {
      if (
        isBefore(occurrence, seq, index) &&
        (latest === undefined || isBefore(latest, occurrence.seq, occurrence.index))
      ) {
        latest = occurrence;
      }
    }
    if (latest !== undefined && repeatsWithinWindow(latest.receivedAt, event.receivedAt)) {
      this.cache.set(name, { ...latest, generation });
      return false;
    }
    this.cache.set(name, { seq, index, receivedAt: event.receivedAt, generation });
    const filter = this.filters.get(partition);
    if (filter?.generation === generation && filter.filter) {
      if (!filter.filter.add(idempotencyHash(event.env, event.customer, event.idempotencyKey))) filter.filter = null;
    }
    return true;
  }

  /**
   * The stream sequence of the key's counted occurrence when the hot cache knows one within the window of `now`
   * (undefined otherwise: not counted, or not known without a lookup). The owner answers a retried consume with it.
   */
  countedSeq(event: Pick<UsageEvent, "env" | "customer">, key: string, now: number): number | undefined {
    const cached = this.cache.get(fullKey(event.env, event.customer, key));
    return cached && repeatsWithinWindow(cached.receivedAt, now) ? cached.seq : undefined;
  }

  /** Forgets what the last `prepare` found (after applying, so the map never outlives one flush). */
  release(): void {
    this.found = new Map();
  }
}

export function keyRow(event: UsageEvent, partition: number, seq: number, index: number): KeyRow {
  return {
    hash: idempotencyHash(event.env, event.customer, event.idempotencyKey ?? ""),
    env: event.env,
    customer: event.customer,
    key: event.idempotencyKey ?? "",
    partition,
    seq,
    idx: index,
    received_at: event.receivedAt,
  };
}

function isBefore(occurrence: KeyOccurrence, seq: number, index: number): boolean {
  return occurrence.seq < seq || (occurrence.seq === seq && occurrence.index < index);
}
