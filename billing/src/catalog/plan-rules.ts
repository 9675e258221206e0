import type { ErrorDetail } from "@lumen/core";
import type { FeatureItem, FeatureType, MeterAggregation, PlanDefinition } from "./schemas";

/** What the plan and feature rules need to know about each feature of the environment's catalog. */
export interface FeatureFacts {
  type: FeatureType;
  meter?: { aggregation: MeterAggregation } | null;
  archived: boolean;
}

export type FeatureCatalog = ReadonlyMap<string, FeatureFacts>;

/**
 * The seat item: the first gauge feature item with a price, per customer. Its entities are the seats that
 * per-seat allowances hang off (§5), and its level is the quantity of the seat price.
 */
export function findSeatItem(definition: PlanDefinition, features: FeatureCatalog): FeatureItem | undefined {
  for (const item of definition.items) {
    if (item.type !== "feature" || item.price === undefined || item.per !== "customer") continue;
    if (features.get(item.feature)?.type === "gauge") return item;
  }
  return undefined;
}

/**
 * The plan rules that need the feature catalog (the schema checks everything else). Empty when the
 * definition may be saved; paths point into the request body ("items.2.price.model").
 */
export function checkPlanAgainstFeatures(definition: PlanDefinition, features: FeatureCatalog): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const hasSeatItem = findSeatItem(definition, features) !== undefined;
  definition.items.forEach((item, index) => {
    if (item.type !== "feature") return;
    const at = (field: string, message: string): void => {
      details.push({ path: `items.${index}.${field}`, message });
    };
    const feature = features.get(item.feature);
    if (feature === undefined || feature.archived) {
      at("feature", feature ? `feature '${item.feature}' is archived` : `no feature with id '${item.feature}'`);
      return;
    }

    if (feature.type === "boolean") {
      // A boolean feature is on or off: nothing to count, reset or charge (trialDays still applies).
      const on = "a boolean feature is on or off and takes no";
      if (item.included !== 0) at("included", `${on} included`);
      if (item.reset !== "billing_period") at("reset", `${on} reset`);
      if (item.per !== "customer") at("per", `${on} per`);
      if (item.price !== undefined) at("price", `${on} price`);
      if (item.usageLimit !== undefined) at("usageLimit", `${on} usageLimit`);
      if (item.rollover !== undefined) at("rollover", `${on} rollover`);
    }
    if (feature.type === "gauge") {
      // A gauge is a level (seats, projects): it never resets, so nothing rolls over.
      if (item.reset !== "billing_period" && item.reset !== "never") {
        at("reset", `a gauge feature does not reset: use "never" or leave reset out`);
      }
      if (item.rollover !== undefined) at("rollover", "a gauge feature does not reset, so nothing rolls over");
    }
    if (item.price?.model === "percentage" && (feature.type !== "metered" || feature.meter?.aggregation !== "sum")) {
      at("price.model", "a percentage price needs a metered feature whose meter aggregation is sum");
    }
    if (item.per === "seat" && !hasSeatItem) {
      at("per", 'per: "seat" needs a gauge feature item with a price (the seats) in the plan');
    }
  });
  return details;
}

/**
 * The feature rules that need the rest of the catalog, for create and (after merging) patch: every key of
 * a credits feature's creditCosts must be a live metered feature.
 */
export function checkFeatureAgainstFeatures(
  feature: { creditCosts?: Record<string, number> | undefined },
  features: FeatureCatalog,
): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  for (const id of Object.keys(feature.creditCosts ?? {})) {
    const path = `creditCosts.${id}`;
    const target = features.get(id);
    if (target === undefined) details.push({ path, message: `no feature with id '${id}'` });
    else if (target.archived) details.push({ path, message: `feature '${id}' is archived` });
    else if (target.type !== "metered") {
      details.push({ path, message: `credits are drawn by metered features; '${id}' is ${target.type}` });
    }
  }
  return details;
}
