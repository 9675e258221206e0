import type { CustomerDefinition } from "../pipeline/definitions";
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
  const periodStart = result.periodStart ?? Number.NEGATIVE_INFINITY;
  for (const grant of definition.grants) {
    for (const instant of [grant.createdAt, grant.expiresAt, grant.voidedAt]) {
      if (instant === null) continue;
      if (instant > at) until = Math.min(until, instant);
      else if (instant > periodStart) return null;
    }
  }
  for (const override of Object.values(definition.overrides)) {
    if (override.expiresAt !== null && override.expiresAt > at) until = Math.min(until, override.expiresAt);
  }
  for (const feature of Object.values(definition.features)) {
    if (feature.trialEndsAt !== null && feature.trialEndsAt > at) until = Math.min(until, feature.trialEndsAt);
    // Credits and the features they pay for may reset on other schedules than the one asked about.
    if (feature.reset.interval !== null && feature.type !== "gauge") {
      const end = periodOfSchedule(feature.reset, at).end;
      if (end !== null) until = Math.min(until, end);
    }
  }
  return until;
}
