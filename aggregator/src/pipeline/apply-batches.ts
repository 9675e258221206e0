import {
  applyToCounter,
  type CounterPeriod,
  type CounterState,
  counterKey,
  type ResetSchedule,
  readEvent,
  resetScheduleOf,
  type UsageApplication,
  type UsageSources,
} from "@lumen/core";
import type { EncodedRows } from "../clickhouse/types";
import { type IdempotencyIndex, keyRow } from "../dedup/idempotency-index";
import type { CounterStore, CustomerUsage } from "../state/counter-store";
import { movesPeriod, rollLedgers } from "../state/roll-ledgers";
import { encodeKeyRows, type KeyRow } from "../storage/idempotency-store";
import { encodeEventRows, type RawEventRow, rawEventRow } from "../storage/raw-events";
import { encodeRollupRows, RollupBuilder, type RollupRow } from "../storage/rollups";
import type { BatchPosition, DecodedBatch } from "./received-batch";

/** A partition's part of a flush, encoded for ClickHouse. */
export interface PartitionRows {
  events: EncodedRows;
  rollups: EncodedRows;
  keys: EncodedRows;
}

/** What one flush writes and publishes. */
export interface FlushWork {
  batches: BatchPosition[];
  rows: Map<number, PartitionRows>;
  /** Per partition: the last stream sequence of the flush. */
  checkpoints: Map<number, number>;
  /** Customers whose counters changed. */
  changed: Set<CustomerUsage>;
  events: number;
  duplicates: number;
}

/** The first sequence of each partition's stored events in a flush: the key of its rollup rows. */
export function firstSeqs(batches: readonly { partition: number; seq: number; events: readonly unknown[] }[]) {
  const first = new Map<number, number>();
  for (const { partition, seq, events } of batches) {
    if (events.length > 0 && !first.has(partition)) first.set(partition, seq);
  }
  return first;
}

/**
 * Applies a flush's batches in stream order (call `index.prepare` first): decides each idempotency key, reads
 * each counted event through the meters, puts it in the counters of its period, and encodes the rows to write,
 * per partition (so that a partition lost meanwhile can be left out of the write). `settle` hears of every event
 * (counted or a repeat) in the same synchronous pass that counts it: the owner's pending usage of that event goes
 * away exactly when the counters take it, so no decision ever sees it twice or not at all.
 */
export function applyBatches({
  batches,
  index,
  sources,
  counters,
  resolvePeriod,
  settle,
}: {
  batches: readonly DecodedBatch[];
  index: IdempotencyIndex;
  sources: UsageSources;
  counters: CounterStore;
  resolvePeriod: (schedule: ResetSchedule | null, at: number) => CounterPeriod;
  settle?: (partition: number, eventId: string) => void;
}): FlushWork {
  const rollups = new RollupBuilder(firstSeqs(batches));
  const rows = new Map<number, { events: RawEventRow[]; keys: KeyRow[] }>();
  const work: FlushWork = {
    batches: [],
    rows: new Map(),
    checkpoints: new Map(),
    changed: new Set(),
    events: 0,
    duplicates: 0,
  };
  for (const { partition, generation, seq, storedAt, events } of batches) {
    work.batches.push({ partition, generation, seq, storedAt });
    work.checkpoints.set(partition, seq);
    work.events += events.length;
    let partitionRows = rows.get(partition);
    if (!partitionRows) {
      partitionRows = { events: [], keys: [] };
      rows.set(partition, partitionRows);
    }
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const row = rawEventRow(event, partition, seq, i);
      partitionRows.events.push(row);
      settle?.(partition, event.id);
      if (!index.decide(event, partition, seq, i, generation)) {
        row.counted = 0;
        work.duplicates++;
        continue;
      }
      if (event.idempotencyKey !== null) partitionRows.keys.push(keyRow(event, partition, seq, i));
      const catalog = sources.catalogOf(event.env);
      const readings = readEvent({ event, catalog });
      if (readings.length === 0) continue;
      const definition = sources.definitionOf(event.env, event.customer);
      const usage = counters.customer(partition, event.env, event.customer);
      work.changed.add(usage);
      row.features = [];
      row.period_starts = [];
      row.period_ends = [];
      row.readings = [];
      row.tokens = [];
      for (const { feature, reading, token } of readings) {
        const period = resolvePeriod(resetScheduleOf({ definition, catalog, feature }), event.timestamp);
        row.features.push(feature);
        row.period_starts.push(period.start);
        row.period_ends.push(period.end ?? 0);
        row.readings.push(reading);
        row.tokens.push(token ?? "");
        const application = { period, timestamp: event.timestamp, seq, index: i, reading, token };
        const ofCustomer = counterKey(feature, null);
        const ofEntity = event.entity === null ? null : counterKey(feature, event.entity);
        // A counter about to start a new period takes its old period's usage with it: keep its scopes' ledgers first.
        const customerMoves = movesPeriod(usage.counters.get(ofCustomer), period, event.timestamp, seq, i);
        const entityMoves =
          ofEntity !== null && movesPeriod(usage.counters.get(ofEntity), period, event.timestamp, seq, i);
        if (customerMoves || entityMoves) {
          const entities = [...(customerMoves ? [null] : []), ...(entityMoves ? [event.entity] : [])];
          rollLedgers({ usage, definition, catalog, feature, entities, at: event.timestamp });
        }
        apply(usage.counters, ofCustomer, application);
        if (ofEntity !== null) apply(usage.counters, ofEntity, application);
        rollups.add(partition, event.env, event.customer, feature, event.entity ?? "", application);
      }
    }
  }
  const rollupRows = groupByPartition(rollups.build());
  for (const [partition, { events, keys }] of rows) {
    work.rows.set(partition, {
      events: encodeEventRows(events),
      rollups: encodeRollupRows(rollupRows.get(partition) ?? []),
      keys: encodeKeyRows(keys),
    });
  }
  return work;
}

function apply(counters: Map<string, CounterState>, key: string, application: UsageApplication): void {
  const counter = counters.get(key);
  const next = applyToCounter(counter, application);
  if (next !== counter) counters.set(key, next);
}

function groupByPartition(rows: RollupRow[]): Map<number, RollupRow[]> {
  const grouped = new Map<number, RollupRow[]>();
  for (const row of rows) {
    const list = grouped.get(row.partition);
    if (list) list.push(row);
    else grouped.set(row.partition, [row]);
  }
  return grouped;
}
