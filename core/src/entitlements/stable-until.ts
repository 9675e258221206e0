import { CALENDAR_MONTH, type CustomerDefinition, type ResetSchedule } from "../pipeline/definitions";
import { periodOfSchedule } from "../usage/counter-period";
import type { CheckResult } from "./types";

/**
 * Until when a check computed at `at` stays true without new usage or definitions: the next instant anything
 * time-bound changes (a period boundary of any feature, a grant starting, expiring or voided, an override or a
 * feature trial ending). null when the answer drifts continuously with time: a grant instant inside the current
 * period makes the burn spread usage across it (see `simulateBurn`), so such answers are not kept.
 */
export function checkStableUntil({
  definition,
  result,
  at,
}: {
  definition: CustomerDefinition | undefined;
  result: CheckResult;
  at: number;
}): number | null {
  let until = result.periodEnd ?? Number.POSITIVE_INFINITY;
  if (!definition) return until;
  // Every schedule a balance may burn over: the features' own, and the one of counters without a plan item (credits
  // or grants alone). A credits feature paying for the asked one may reset on another schedule than it.
  let earliestStart = result.periodStart ?? Number.POSITIVE_INFINITY;
  const schedules: ResetSchedule[] = [definition.billingPeriod ?? CALENDAR_MONTH];
  for (const feature of Object.values(definition.features)) {
    if (feature.reset.interval !== null && feature.type !== "gauge") schedules.push(feature.reset);
  }
  for (const schedule of schedules) {
    const period = periodOfSchedule(schedule, at);
    if (period.end !== null) until = Math.min(until, period.end);
    earliestStart = Math.min(earliestStart, period.start);
  }
  for (const grant of definition.grants) {
    for (const instant of [grant.createdAt, grant.expiresAt, grant.voidedAt]) {
      if (instant === null) continue;
      if (instant > at) until = Math.min(until, instant);
      else if (instant > earliestStart) return null;
    }
  }
  for (const override of Object.values(definition.overrides)) {
    if (override.expiresAt !== null && override.expiresAt > at) until = Math.min(until, override.expiresAt);
  }
  for (const feature of Object.values(definition.features)) {
    if (feature.trialEndsAt !== null && feature.trialEndsAt > at) until = Math.min(until, feature.trialEndsAt);
  }
  return until;
}
