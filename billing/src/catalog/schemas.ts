import { callerId, canonicalJson, currencyCode, DECIMAL_PATTERN, Decimal, nonNegativeDecimalString } from "@lumen/core";
import { z } from "zod";

/** Input schemas of the feature and plan catalog (PRODUCT §2, §3). Every object is strict: unknown fields fail. */

type Path = (string | number)[];

function addIssue(ctx: z.RefinementCtx, path: Path, message: string): void {
  ctx.addIssue({ code: "custom", path, message });
}

// Object-level refinements may see a field that failed its own check; they must never throw on it.
function decimalOf(value: string | undefined): Decimal | undefined {
  return value !== undefined && DECIMAL_PATTERN.test(value) ? new Decimal(value) : undefined;
}

const metadata = z.record(z.string(), z.string());

// ---------------------------------------------------------------------------------------------------------
// Features (§2)

export const featureType = z.enum(["boolean", "metered", "gauge", "credits"]);
export type FeatureType = z.output<typeof featureType>;

export const meterAggregation = z.enum(["count", "sum", "max", "unique_count", "latest"]);
export type MeterAggregation = z.output<typeof meterAggregation>;

export const meter = z
  .strictObject({
    event: z.string().min(1),
    aggregation: meterAggregation,
    property: z.string().min(1).optional(),
    filter: z.record(z.string().min(1), z.array(z.union([z.string(), z.number(), z.boolean()])).min(1)).optional(),
  })
  .superRefine((value, ctx) => {
    if (value.aggregation === "count" && value.property !== undefined) {
      addIssue(ctx, ["property"], "a count meter counts events and reads no property");
    }
    if (value.aggregation !== "count" && value.property === undefined) {
      addIssue(ctx, ["property"], `a ${value.aggregation} meter needs the event property it reads`);
    }
  });
export type Meter = z.output<typeof meter>;

/** Credits drawn per unit of each metered feature: {"premium-messages": 5}. */
export const creditCosts = z
  .record(callerId, z.number().positive())
  .refine((costs) => Object.keys(costs).length > 0, { error: "must list at least one metered feature" });

export const createFeatureInput = z
  .strictObject({
    id: callerId,
    name: z.string().min(1),
    type: featureType,
    meter: meter.optional(),
    creditCosts: creditCosts.optional(),
    unit: z.string().min(1).optional(),
    metadata: metadata.optional(),
  })
  .superRefine((feature, ctx) => {
    if (feature.meter !== undefined && feature.type !== "metered") {
      addIssue(ctx, ["meter"], "only metered features have a meter");
    }
    if (feature.type === "credits" && feature.creditCosts === undefined) {
      addIssue(ctx, ["creditCosts"], "a credits feature needs creditCosts");
    }
    if (feature.type !== "credits" && feature.creditCosts !== undefined) {
      addIssue(ctx, ["creditCosts"], "only credits features have creditCosts");
    }
  });
export type CreateFeatureInput = z.output<typeof createFeatureInput>;

/**
 * PATCH /v1/features/:id. `id` and `type` cannot change (unknown fields); `metadata` replaces the whole map.
 * The verb merges the patch into the stored feature and re-parses the result with `createFeatureInput`, so
 * the type rules (meter only on metered, …) hold after the patch too.
 */
export const updateFeatureInput = z.strictObject({
  name: z.string().min(1).optional(),
  meter: meter.optional(),
  creditCosts: creditCosts.optional(),
  unit: z.string().min(1).optional(),
  metadata: metadata.optional(),
});
export type UpdateFeatureInput = z.output<typeof updateFeatureInput>;

// ---------------------------------------------------------------------------------------------------------
// Prices (§3). Amounts are decimal strings ≥ 0; quantities (upTo, packageSize) are JSON numbers.

const amount = nonNegativeDecimalString;

export const priceTier = z
  .strictObject({
    upTo: z.number().positive().nullable(),
    unitAmount: amount.optional(),
    flatAmount: amount.optional(),
  })
  .superRefine((tier, ctx) => {
    if (tier.unitAmount === undefined && tier.flatAmount === undefined) {
      addIssue(ctx, ["unitAmount"], "a tier needs a unitAmount, a flatAmount or both");
    }
  });
export type PriceTier = z.output<typeof priceTier>;

const tiers = z
  .array(priceTier)
  .min(1)
  .superRefine((list, ctx) => {
    const last = list.length - 1;
    let previous: number | null = null;
    list.forEach((tier, index) => {
      if (tier.upTo === null) {
        if (index !== last) addIssue(ctx, [index, "upTo"], "only the last tier may have upTo null");
        return;
      }
      if (index === last) addIssue(ctx, [index, "upTo"], "the last tier's upTo must be null (no upper bound)");
      if (previous !== null && tier.upTo <= previous) {
        addIssue(ctx, [index, "upTo"], `must be greater than the previous tier's upTo (${previous})`);
      }
      previous = tier.upTo;
    });
  });

const rate = nonNegativeDecimalString.refine((value) => decimalOf(value)?.lte(100) ?? true, {
  error: "must be a percentage from 0 to 100",
});

export const price = z.discriminatedUnion("model", [
  z.strictObject({ model: z.literal("per_unit"), unitAmount: amount }),
  z.strictObject({
    model: z.literal("package"),
    unitAmount: amount,
    packageSize: z.number().int().positive(),
  }),
  z.strictObject({ model: z.literal("graduated"), tiers }),
  z.strictObject({ model: z.literal("volume"), tiers }),
  z
    .strictObject({
      model: z.literal("percentage"),
      rate,
      fixedAmount: amount.optional(),
      minPerEvent: amount.optional(),
      maxPerEvent: amount.optional(),
    })
    .superRefine((value, ctx) => {
      const min = decimalOf(value.minPerEvent);
      const max = decimalOf(value.maxPerEvent);
      if (min !== undefined && max !== undefined && min.gt(max)) {
        addIssue(ctx, ["maxPerEvent"], "must be at least minPerEvent");
      }
    }),
]);
export type Price = z.output<typeof price>;
export type PriceModel = Price["model"];

// ---------------------------------------------------------------------------------------------------------
// Plan items (§3)

export const planInterval = z.enum(["week", "month", "quarter", "year"]);
export type PlanInterval = z.output<typeof planInterval>;

export const resetInterval = z.enum(["day", "week", "month", "quarter", "year", "never", "billing_period"]);
export type ResetInterval = z.output<typeof resetInterval>;

const fixedItem = z.strictObject({
  type: z.literal("fixed"),
  amount,
  description: z.string().optional(),
  billingInterval: planInterval.optional(),
});

const oneTimeItem = z.strictObject({
  type: z.literal("one_time"),
  amount,
  description: z.string().optional(),
});

const featureItemFields = z.strictObject({
  type: z.literal("feature"),
  feature: callerId,
  included: z.union([z.number().nonnegative(), z.literal("unlimited")]).default(0),
  reset: resetInterval.default("billing_period"),
  per: z.enum(["customer", "seat"]).default("customer"),
  // Defaulted (not optional) so that an omitted `pooled` and `pooled: false` normalise alike.
  pooled: z.boolean().default(false),
  price: price.optional(),
  usageLimit: z.number().positive().optional(),
  rollover: z.strictObject({ max: z.number().nonnegative() }).optional(),
  trialDays: z.number().int().positive().max(3650).optional(),
  billingInterval: planInterval.optional(),
});

/** Rules within one feature item; those that need the feature's type live in plan-rules.ts. */
function checkFeatureItem(item: z.output<typeof featureItemFields>, ctx: z.RefinementCtx): void {
  const unlimited = item.included === "unlimited";
  if (item.pooled && item.per !== "seat") addIssue(ctx, ["pooled"], 'pooled needs per: "seat"');
  if (item.price === undefined) {
    if (item.usageLimit !== undefined) addIssue(ctx, ["usageLimit"], "usageLimit caps priced usage: needs a price");
    if (item.billingInterval !== undefined) {
      addIssue(ctx, ["billingInterval"], "billingInterval says when the price bills: needs a price");
    }
  } else if (unlimited) {
    addIssue(ctx, ["price"], "an unlimited allowance leaves nothing to price");
  }
  // With nothing included, positive() already rejects a zero limit.
  if (
    item.usageLimit !== undefined &&
    typeof item.included === "number" &&
    item.included > 0 &&
    item.usageLimit <= item.included
  ) {
    addIssue(ctx, ["usageLimit"], `must be greater than included (${item.included}), or the price never applies`);
  }
  if (item.rollover !== undefined) {
    if (unlimited) addIssue(ctx, ["rollover"], "an unlimited allowance has nothing to roll over");
    else if (item.reset === "never") addIssue(ctx, ["rollover"], 'an allowance with reset "never" cannot roll over');
  }
}

export const featureItem = featureItemFields.superRefine(checkFeatureItem);
export type FeatureItem = z.output<typeof featureItem>;

export const planItem = z.discriminatedUnion("type", [fixedItem, oneTimeItem, featureItem]);
export type PlanItem = z.output<typeof planItem>;

// ---------------------------------------------------------------------------------------------------------
// Plans (§3)

const planDefinitionFields = {
  name: z.string().min(1),
  description: z.string().optional(),
  currency: currencyCode,
  interval: planInterval.default("month"),
  // Defaults to "main": plans that name no group are alternatives to each other (one per customer).
  group: z.string().min(1).default("main"),
  default: z.boolean().default(false),
  addOn: z.boolean().default(false),
  trialDays: z.number().int().nonnegative().max(3650).default(0),
  items: z
    .array(planItem)
    .max(100)
    .default(() => []),
  metadata: metadata.default(() => ({})),
};

// An item may bill more often than its plan, never less, and its periods must tile the plan's (§3).
const BILLING_INTERVALS_WITHIN: Record<PlanInterval, readonly PlanInterval[]> = {
  week: ["week"],
  month: ["month"],
  quarter: ["month", "quarter"],
  year: ["month", "quarter", "year"],
};

function checkPlanDefinition(plan: { interval: PlanInterval; items: PlanItem[] }, ctx: z.RefinementCtx): void {
  const featureItemIndex = new Map<string, number>();
  plan.items.forEach((item, index) => {
    if (item.type === "one_time") return;
    if (item.billingInterval !== undefined && !BILLING_INTERVALS_WITHIN[plan.interval].includes(item.billingInterval)) {
      addIssue(
        ctx,
        ["items", index, "billingInterval"],
        `a ${plan.interval}ly plan can bill an item every ${BILLING_INTERVALS_WITHIN[plan.interval].join(", ")}`,
      );
    }
    if (item.type !== "feature") return;
    const first = featureItemIndex.get(item.feature);
    if (first === undefined) featureItemIndex.set(item.feature, index);
    else addIssue(ctx, ["items", index, "feature"], `feature '${item.feature}' is already in items.${first}`);
  });
}

/** A plan version's definition: the body of PUT /v1/plans/:id. */
export const planDefinition = z.strictObject(planDefinitionFields).superRefine(checkPlanDefinition);
export type PlanDefinition = z.output<typeof planDefinition>;
export type PlanDefinitionInput = z.input<typeof planDefinition>;

/** POST /v1/plans: a definition plus the caller's id. */
export const createPlanInput = z
  .strictObject({ id: callerId, ...planDefinitionFields })
  .superRefine(checkPlanDefinition);
export type CreatePlanInput = z.output<typeof createPlanInput>;

/** PUT /v1/plans/:id: the create body without `id`; a changed definition becomes version n+1. */
export const updatePlanInput = planDefinition;
export type UpdatePlanInput = PlanDefinition;

export const migratePlanInput = z
  .strictObject({
    fromVersion: z.number().int().min(1),
    toVersion: z.number().int().min(1),
    when: z.enum(["next_period", "now"]).default("next_period"),
  })
  .superRefine((value, ctx) => {
    if (value.fromVersion === value.toVersion) addIssue(ctx, ["toVersion"], "must differ from fromVersion");
  });
export type MigratePlanInput = z.output<typeof migratePlanInput>;

/** Parses a definition with every default applied: the form stored in a plan version. Throws a ZodError. */
export function normalizePlanDefinition(input: unknown): PlanDefinition {
  return planDefinition.parse(input);
}

/**
 * True when two definitions are the same plan version: defaults applied, key order ignored. Item order and
 * the spelling of amounts ("20" vs "20.00") count as changes. A definition that no longer parses (rules
 * tightened since it was stored) is compared as stored, so it never equals a valid new body.
 */
export function planDefinitionsEqual(a: PlanDefinitionInput, b: PlanDefinitionInput): boolean {
  return canonicalJson(normalizedOrAsIs(a)) === canonicalJson(normalizedOrAsIs(b));
}

function normalizedOrAsIs(definition: PlanDefinitionInput): unknown {
  const parsed = planDefinition.safeParse(definition);
  return parsed.success ? parsed.data : definition;
}
