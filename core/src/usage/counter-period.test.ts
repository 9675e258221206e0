import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aCustomerDefinition, anEntitlement } from "../entitlements/testing";
import type { CatalogDefinition, CustomerDefinition, FeatureEntitlement, ResetSchedule } from "../pipeline/definitions";
import { createPeriodResolver, NEVER_RESETS, periodOfSchedule, resetScheduleOf } from "./counter-period";

const ms = (iso: string) => Date.parse(iso);
const monthly: ResetSchedule = { interval: "month", anchor: "2026-01-15T10:30:00.000Z" };
const daily: ResetSchedule = { interval: "day", anchor: "2026-01-01T06:00:00.000Z" };

function entitlement(reset: ResetSchedule, type: FeatureEntitlement["type"] = "metered"): FeatureEntitlement {
  return anEntitlement({ type, reset, included: 0, overageAllowed: true });
}

const definition: CustomerDefinition = aCustomerDefinition({
  billingPeriod: monthly,
  features: {
    "api-calls": entitlement(daily),
    forever: entitlement({ interval: null, anchor: "2026-01-01T00:00:00.000Z" }),
    seats: entitlement(monthly, "gauge"),
  },
});
const catalog: CatalogDefinition = {
  env: "test",
  version: 1,
  features: { projects: { type: "gauge", meter: null, creditCosts: null } },
};

describe("the period of a counter", () => {
  it.each<[string, CustomerDefinition | undefined, string, string, { start: string; end: string } | null]>([
    [
      "uses the feature's own reset",
      definition,
      "api-calls",
      "2026-02-03T05:59:59.999Z",
      {
        start: "2026-02-02T06:00:00.000Z",
        end: "2026-02-03T06:00:00.000Z",
      },
    ],
    [
      "starts a new period on the boundary itself",
      definition,
      "api-calls",
      "2026-02-03T06:00:00.000Z",
      {
        start: "2026-02-03T06:00:00.000Z",
        end: "2026-02-04T06:00:00.000Z",
      },
    ],
    [
      "falls back to the billing period",
      definition,
      "messages",
      "2026-03-01T00:00:00.000Z",
      {
        start: "2026-02-15T10:30:00.000Z",
        end: "2026-03-15T10:30:00.000Z",
      },
    ],
    [
      "falls back to the calendar month without a definition",
      undefined,
      "messages",
      "2026-02-28T23:59:59.999Z",
      {
        start: "2026-02-01T00:00:00.000Z",
        end: "2026-03-01T00:00:00.000Z",
      },
    ],
    ["never resets a `never` feature", definition, "forever", "2026-05-01T00:00:00.000Z", null],
    ["never resets a gauge of the definition", definition, "seats", "2026-05-01T00:00:00.000Z", null],
    ["never resets a gauge of the catalog", undefined, "projects", "2026-05-01T00:00:00.000Z", null],
  ])("%s", (_name, customer, feature, at, expected) => {
    const schedule = resetScheduleOf({ definition: customer, catalog, feature });
    const period = periodOfSchedule(schedule, ms(at));
    expect(period).toEqual(expected ? { start: ms(expected.start), end: ms(expected.end) } : NEVER_RESETS);
  });

  it("resolves the same periods with its cache as without", () => {
    const resolve = createPeriodResolver();
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(fc.constantFrom(monthly, daily, null), fc.integer({ min: ms("2025-01-01"), max: ms("2027-01-01") })),
          { maxLength: 50 },
        ),
        (lookups) => {
          for (const [schedule, at] of lookups) expect(resolve(schedule, at)).toEqual(periodOfSchedule(schedule, at));
        },
      ),
    );
  });
});
