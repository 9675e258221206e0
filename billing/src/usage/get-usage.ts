import { type CustomerDefinition, periodAt, type ResetSchedule, type UsageSnapshot } from "@lumen/core";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext } from "../context";
import { loadCustomer } from "../customers/customer-record";
import { buildCustomerDefinition } from "../definitions/build-customer-definition";
import { requirePipeline } from "../pipeline/pipeline-client";

interface Period {
  start: number;
  end: number | null;
}

function periodOf(schedule: ResetSchedule, at: number): Period {
  if (schedule.interval === null) return { start: 0, end: null };
  const period = periodAt({ anchor: new Date(schedule.anchor), interval: schedule.interval, at: new Date(at) });
  return { start: period.start.getTime(), end: period.end.getTime() };
}

/**
 * `GET /v1/customers/:id/usage`: for each feature, the allowance of the plans in force and the usage the
 * owner has counted in the current period. Grants, rollover and credits join with issue 3.
 */
export async function getCustomerUsage({ ctx, customerId }: { ctx: EngineContext; customerId: string }) {
  const customer = await loadCustomer(ctx, customerId);
  const now = (await customerNow(ctx, customer)).getTime();
  const definition = await buildCustomerDefinition(ctx, customerId, 0);
  const snapshot = await requirePipeline(ctx.pipeline).snapshot(ctx.env, customerId);
  const { rows: entities } = await db(ctx).query<{ id: string; feature: string }>(
    "SELECT id, feature FROM entities WHERE env = $1 AND customer_id = $2 AND deleted_at IS NULL ORDER BY id",
    [ctx.env, customerId],
  );
  return { customer: customerId, features: summarizeUsage({ definition, snapshot, entities, now }) };
}

/** Pure: the usage summary from a definition, the owner's snapshot and the customer's entities. */
export function summarizeUsage({
  definition,
  snapshot,
  entities,
  now,
}: {
  definition: CustomerDefinition;
  snapshot: UsageSnapshot | null;
  entities: { id: string; feature: string }[];
  now: number;
}) {
  const counters = snapshot?.counters ?? [];
  const features = new Set([...Object.keys(definition.features), ...counters.map((counter) => counter.feature)]);
  const seats = entities.length;
  return [...features].sort().map((feature) => {
    const granted = definition.features[feature];
    const schedule = granted?.reset ??
      definition.billingPeriod ?? { interval: "month", anchor: "1970-01-01T00:00:00.000Z" };
    const period = granted?.type === "gauge" ? { start: 0, end: null } : periodOf(schedule, now);
    // A counter holds the period of its newest event: one of an earlier period reads as nothing used yet.
    const usedIn = (entity: string | null) => {
      const counter = counters.find(
        (c) => c.feature === feature && c.entity === entity && c.periodStart === period.start,
      );
      return counter?.value ?? 0;
    };
    const ownEntities = entities.filter((entity) => entity.feature === feature);
    // A gauge's level is its entities when it has some (seats), else what events moved it to.
    const used = granted?.type === "gauge" && ownEntities.length > 0 ? ownEntities.length : usedIn(null);
    const perSeat = granted?.per === "seat";
    const included = granted ? (perSeat ? granted.included * seats : granted.included) : 0;
    const unlimited = granted?.unlimited ?? false;
    const bounded = granted && granted.type !== "boolean" && !unlimited;
    return {
      feature,
      type: granted?.type ?? "metered",
      granted: granted !== undefined,
      unlimited,
      included,
      used,
      balance: bounded ? included - used : null,
      overage: bounded && granted.overageAllowed ? Math.max(0, used - included) : 0,
      usageLimit: granted?.usageLimit ?? null,
      periodStart: new Date(period.start),
      periodEnd: period.end === null ? null : new Date(period.end),
      resetsAt: period.end === null ? null : new Date(period.end),
      entities: perSeat
        ? entities.map((entity) => {
            const entityUsed = usedIn(entity.id);
            return {
              entity: entity.id,
              included: granted.included,
              used: entityUsed,
              balance: granted.included - entityUsed,
            };
          })
        : [],
    };
  });
}
