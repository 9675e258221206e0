import { periodAt } from "../period";
import {
  CALENDAR_MONTH,
  type CatalogDefinition,
  type CustomerDefinition,
  type FeatureType,
  type ResetSchedule,
} from "../pipeline/definitions";

/** A counter's period in ms, half-open [start, end); `end` is null for counters that never reset. */
export interface CounterPeriod {
  start: number;
  end: number | null;
}

/** Gauges and `never` resets: one period from the epoch on. */
export const NEVER_RESETS: CounterPeriod = Object.freeze({ start: 0, end: null });

/**
 * The reset schedule of a customer's counter of `feature`: the feature's own reset in the customer's
 * definition, else the base subscription's billing period, else the calendar month. Gauges never reset.
 */
export function resetScheduleOf({
  definition,
  catalog,
  feature,
}: {
  definition: CustomerDefinition | undefined;
  catalog: CatalogDefinition | undefined;
  feature: string;
}): ResetSchedule | null {
  const type: FeatureType | undefined = definition?.features[feature]?.type ?? catalog?.features[feature]?.type;
  if (type === "gauge") return null;
  const schedule = definition?.features[feature]?.reset ?? definition?.billingPeriod ?? CALENDAR_MONTH;
  return schedule.interval === null ? null : schedule;
}

/** The period of `schedule` (null: never resets) that contains the instant `at` (ms). */
export function periodOfSchedule(schedule: ResetSchedule | null, at: number): CounterPeriod {
  if (schedule === null || schedule.interval === null) return NEVER_RESETS;
  const period = periodAt({ anchor: new Date(schedule.anchor), interval: schedule.interval, at: new Date(at) });
  return { start: period.start.getTime(), end: period.end.getTime() };
}

/** Remembers the last period per schedule object, since consecutive events almost always share it. */
export function createPeriodResolver(): (schedule: ResetSchedule | null, at: number) => CounterPeriod {
  const last = new WeakMap<ResetSchedule, CounterPeriod>();
  return (schedule, at) => {
    if (schedule === null || schedule.interval === null) return NEVER_RESETS;
    const cached = last.get(schedule);
    if (cached && at >= cached.start && cached.end !== null && at < cached.end) return cached;
    const period = periodOfSchedule(schedule, at);
    last.set(schedule, period);
    return period;
  };
}
