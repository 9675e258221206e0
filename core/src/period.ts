import { LumenError } from "./errors";

/** Billing and reset intervals (PRODUCT §3). All period math is in UTC. */
export const INTERVALS = ["day", "week", "month", "quarter", "year"] as const;
export type Interval = (typeof INTERVALS)[number];

/** A half-open period [start, end); `index` counts intervals since the anchor (negative before it). */
export interface Period {
  start: Date;
  end: Date;
  index: number;
}

const DAY_MS = 86_400_000;

const FIXED_LENGTH_MS: Partial<Record<Interval, number>> = { day: DAY_MS, week: 7 * DAY_MS };
const MONTHS_PER_INTERVAL: Partial<Record<Interval, number>> = { month: 1, quarter: 3, year: 12 };

/**
 * The `count`-th boundary after `anchor` (before it when negative), computed from the anchor itself so
 * month-end clamping never drifts: Jan 31 → Feb 28 → Mar 31 → Apr 30 (PRODUCT §6). Keeps the time of day.
 */
export function addIntervals(anchor: Date, interval: Interval, count: number): Date {
  assertValid(anchor, "anchor");
  if (!Number.isSafeInteger(count)) {
    throw new LumenError("internal", `addIntervals needs an integer count, got ${count}`);
  }
  const fixedLength = FIXED_LENGTH_MS[interval];
  if (fixedLength !== undefined) return new Date(anchor.getTime() + count * fixedLength);
  return addMonths(anchor, count * monthsPerInterval(interval));
}

/** The period of the series anchored at `anchor` that contains `at`; an instant on a boundary starts a period. */
export function periodAt({ anchor, interval, at }: { anchor: Date; interval: Interval; at: Date }): Period {
  assertValid(anchor, "anchor");
  assertValid(at, "at");
  const fixedLength = FIXED_LENGTH_MS[interval];
  if (fixedLength !== undefined) {
    const index = Math.floor((at.getTime() - anchor.getTime()) / fixedLength);
    return periodOf(anchor, interval, index);
  }
  // Boundary k falls in calendar month (anchor's month + k × step), so the estimate is exact or one too high.
  const step = monthsPerInterval(interval);
  const monthsApart = (at.getUTCFullYear() - anchor.getUTCFullYear()) * 12 + (at.getUTCMonth() - anchor.getUTCMonth());
  let index = Math.floor(monthsApart / step);
  while (addIntervals(anchor, interval, index) > at) index--;
  while (addIntervals(anchor, interval, index + 1) <= at) index++;
  return periodOf(anchor, interval, index);
}

/** The first boundary strictly after `at`: when the period containing `at` ends. */
export function nextBoundaryAfter(input: { anchor: Date; interval: Interval; at: Date }): Date {
  return periodAt(input).end;
}

function periodOf(anchor: Date, interval: Interval, index: number): Period {
  return {
    start: addIntervals(anchor, interval, index),
    end: addIntervals(anchor, interval, index + 1),
    index,
  };
}

function monthsPerInterval(interval: Interval): number {
  const months = MONTHS_PER_INTERVAL[interval];
  if (months === undefined) throw new LumenError("internal", `Unknown interval '${interval}'`);
  return months;
}

function addMonths(anchor: Date, months: number): Date {
  const monthIndex = anchor.getUTCMonth() + months;
  const year = anchor.getUTCFullYear() + Math.floor(monthIndex / 12);
  const month = ((monthIndex % 12) + 12) % 12;
  const day = Math.min(anchor.getUTCDate(), daysInMonth(year, month));
  const result = new Date(anchor.getTime());
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  result.setUTCFullYear(year, month, day);
  return result;
}

function daysInMonth(year: number, month: number): number {
  const lastDay = new Date(0);
  lastDay.setUTCFullYear(year, month + 1, 0);
  return lastDay.getUTCDate();
}

function assertValid(date: Date, name: string): void {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new LumenError("internal", `${name} is not a valid Date`);
  }
}
