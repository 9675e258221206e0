import type { CatalogDefinition, CustomerDefinition, LumenEnv, ResetSchedule, UsageSources } from "@lumen/core";
import { aCustomerDefinition, anEntitlement } from "@lumen/core/testing";

/** A catalog with every kind of meter, for the aggregator's tests. */
export const TEST_CATALOG: CatalogDefinition = {
  env: "test",
  version: 1,
  features: {
    "api-calls": { type: "metered", meter: null, creditCosts: null },
    messages: { type: "metered", meter: { event: "message", aggregation: "count" }, creditCosts: null },
    premium: {
      type: "metered",
      meter: { event: "message", aggregation: "count", filter: { model: ["gpt-5", "o3"] } },
      creditCosts: null,
    },
    tokens: { type: "metered", meter: { event: "message", aggregation: "sum", property: "tokens" }, creditCosts: null },
    peak: { type: "metered", meter: { event: "upload", aggregation: "max", property: "bytes" }, creditCosts: null },
    temperature: { type: "metered", meter: { event: "reading", aggregation: "latest" }, creditCosts: null },
    users: {
      type: "metered",
      meter: { event: "login", aggregation: "unique_count", property: "user" },
      creditCosts: null,
    },
    seats: { type: "gauge", meter: null, creditCosts: null },
  },
};

/** A customer definition whose features reset on `billingPeriod` (and `features` their own way). */
export function testDefinition({
  customer,
  billingPeriod,
  resets = {},
  version = 1,
}: {
  customer: string;
  billingPeriod: ResetSchedule | null;
  resets?: Record<string, ResetSchedule>;
  version?: number;
}): CustomerDefinition {
  return aCustomerDefinition({
    customer,
    version,
    billingPeriod,
    features: Object.fromEntries(
      Object.entries(resets).map(([feature, reset]) => [
        feature,
        anEntitlement({ reset, included: 0, overageAllowed: true }),
      ]),
    ),
  });
}

/** Sources over fixed maps (storage-level tests have no KV). */
export function fixedSources(definitions: CustomerDefinition[] = [], catalog = TEST_CATALOG): UsageSources {
  return {
    catalogOf: (env: LumenEnv) => (env === catalog.env ? catalog : undefined),
    definitionOf: (env: LumenEnv, customer: string) =>
      definitions.find((definition) => definition.env === env && definition.customer === customer),
  };
}
