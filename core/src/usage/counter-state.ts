import type { MeterAggregation } from "../pipeline/definitions";
import type { CounterPeriod } from "./counter-period";

/** One event's reading applied to one counter, with where the event sits in time and in the stream. */
export interface UsageApplication {
  period: CounterPeriod;
  /** Event time (ms). */
  timestamp: number;
  /** Stream sequence of the event's batch and the event's index in it: the order of arrival. */
  seq: number;
  index: number;
  reading: number;
  token: string | null;
}

/**
 * A counter of one period. It keeps every statistic (cheap), so its value can be read with whatever aggregation
 * the feature's meter has at that moment. `newest*` is the newest event by (timestamp, seq, index); `latest` is
 * its reading.
 */
export interface CounterState {
  periodStart: number;
  periodEnd: number | null;
  events: number;
  sum: number;
  max: number;
  latest: number;
  newestAt: number;
  newestSeq: number;
  newestIndex: number;
  tokens: Set<string> | null;
}

/** Whether `a` is newer than `b`: by event time, then by arrival (a later event of the same instant wins). */
export function isNewer(
  a: { at: number; seq: number; index: number },
  b: { at: number; seq: number; index: number },
): boolean {
  return isNewerThan(a.at, a.seq, a.index, b.at, b.seq, b.index);
}

/** `isNewer` on plain numbers, for the hot path (no objects allocated). */
export function isNewerThan(
  at: number,
  seq: number,
  index: number,
  thanAt: number,
  thanSeq: number,
  thanIndex: number,
) {
  if (at !== thanAt) return at > thanAt;
  if (seq !== thanSeq) return seq > thanSeq;
  return index > thanIndex;
}

/**
 * Applies one application. The counter holds the period of its newest event: a newer event in another period
 * starts the counter afresh in that period; an older event of another period (a late event) leaves it as it is
 * (it still counts in its own period, in the rollups). Returns the counter (a new one when `counter` is undefined).
 */
export function applyToCounter(counter: CounterState | undefined, application: UsageApplication): CounterState {
  const { period, timestamp, seq, index, reading, token } = application;
  if (counter === undefined) return freshCounter(application);
  const newer = isNewerThan(timestamp, seq, index, counter.newestAt, counter.newestSeq, counter.newestIndex);
  if (counter.periodStart !== period.start || counter.periodEnd !== period.end) {
    return newer ? freshCounter(application) : counter;
  }
  counter.events += 1;
  counter.sum += reading;
  if (reading > counter.max) counter.max = reading;
  if (newer) {
    counter.latest = reading;
    counter.newestAt = timestamp;
    counter.newestSeq = seq;
    counter.newestIndex = index;
  }
  if (token !== null) {
    counter.tokens ??= new Set();
    counter.tokens.add(token);
  }
  return counter;
}

function freshCounter({ period, timestamp, seq, index, reading, token }: UsageApplication): CounterState {
  return {
    periodStart: period.start,
    periodEnd: period.end,
    events: 1,
    sum: reading,
    max: reading,
    latest: reading,
    newestAt: timestamp,
    newestSeq: seq,
    newestIndex: index,
    tokens: token === null ? null : new Set([token]),
  };
}

/** A copy that shares nothing with the original (counters are updated in place). */
export function cloneCounter(counter: CounterState): CounterState {
  return { ...counter, tokens: counter.tokens ? new Set(counter.tokens) : null };
}

/** Combines two counters of the same period (rebuilding a customer-wide counter from per-entity parts). */
export function mergeCounters(a: CounterState, b: CounterState): CounterState {
  const bNewer = isNewer(counterNewest(b), counterNewest(a));
  const newest = bNewer ? b : a;
  let tokens: Set<string> | null = null;
  if (a.tokens || b.tokens) tokens = new Set([...(a.tokens ?? []), ...(b.tokens ?? [])]);
  return {
    periodStart: a.periodStart,
    periodEnd: a.periodEnd,
    events: a.events + b.events,
    sum: a.sum + b.sum,
    max: Math.max(a.max, b.max),
    latest: newest.latest,
    newestAt: newest.newestAt,
    newestSeq: newest.newestSeq,
    newestIndex: newest.newestIndex,
    tokens,
  };
}

/** The value a counter reports: count and sum the total, max the largest, latest the newest, unique_count distinct values. */
export function counterValue(counter: CounterState, aggregation: MeterAggregation): number {
  switch (aggregation) {
    case "count":
    case "sum":
      return counter.sum;
    case "max":
      return counter.max;
    case "latest":
      return counter.latest;
    case "unique_count":
      return counter.tokens?.size ?? 0;
  }
}

export function counterNewest(counter: CounterState): { at: number; seq: number; index: number } {
  return { at: counter.newestAt, seq: counter.newestSeq, index: counter.newestIndex };
}
