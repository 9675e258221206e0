import { LumenError, notFound } from "@lumen/core";
import { loadPlanVersion } from "../catalog/plan-record";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, withTransaction } from "../context";
import { enqueueOutbox } from "../definitions/enqueue-outbox";
import { recordHistory } from "../history/record-history";
import { type ListQuery, listQuery, toListResult } from "../http/list-query";
import { invoiceSeatChange } from "../invoices/change-invoices";
import type { InvoiceView } from "../invoices/invoice-view";
import { listLiveSubscriptions } from "../subscriptions/subscription-record";
import { loadCustomer } from "./customer-record";
import { type CreateEntityInput, createEntityInput } from "./schemas";

interface EntityRow {
  id: string;
  customer_id: string;
  feature: string;
  name: string | null;
  metadata: Record<string, string>;
  created_at: Date;
  deleted_at: Date | null;
}

function serializeEntity(row: EntityRow) {
  return {
    id: row.id,
    customer: row.customer_id,
    feature: row.feature,
    name: row.name,
    metadata: row.metadata,
    createdAt: row.created_at,
    deletedAt: row.deleted_at,
  };
}

/**
 * `POST /v1/customers/:id/entities`: a seat (or other sub-account) raises the customer's level of the
 * gauge feature by one (PRODUCT §5). Entity ids are unique within the environment.
 */
export async function createEntity({
  ctx,
  customerId,
  input,
}: {
  ctx: EngineContext;
  customerId: string;
  input: CreateEntityInput;
}) {
  const parsed = createEntityInput.parse(input);
  return withTransaction(ctx, async (ctx) => {
    const customer = await loadCustomer(ctx, customerId, { forUpdate: true });
    // An archived feature still counts for the plans that use it, so its seats can still be added.
    const { rows: features } = await db(ctx).query<{ type: string }>(
      "SELECT type FROM features WHERE env = $1 AND id = $2",
      [ctx.env, parsed.feature],
    );
    const feature = features[0];
    if (!feature) {
      throw new LumenError("validation_error", `No feature '${parsed.feature}'`, [
        { path: "feature", message: "no such feature" },
      ]);
    }
    if (feature.type !== "gauge") {
      throw new LumenError(
        "validation_error",
        `Entities belong to a gauge feature; '${parsed.feature}' is ${feature.type}`,
        [{ path: "feature", message: "must be a gauge feature (such as seats)" }],
      );
    }
    const now = await customerNow(ctx, customer);
    // A deleted entity's id may be used again; an active one's may not.
    const { rows } = await db(ctx).query<EntityRow>(
      `INSERT INTO entities (env, id, customer_id, feature, name, metadata, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (env, id) DO UPDATE SET customer_id = EXCLUDED.customer_id, feature = EXCLUDED.feature,
         name = EXCLUDED.name, metadata = EXCLUDED.metadata, created_at = EXCLUDED.created_at, deleted_at = NULL
         WHERE entities.deleted_at IS NOT NULL
       RETURNING *`,
      [
        ctx.env,
        parsed.id,
        customer.id,
        parsed.feature,
        parsed.name ?? null,
        JSON.stringify(parsed.metadata ?? {}),
        now,
      ],
    );
    const row = rows[0];
    if (!row) throw new LumenError("conflict", `An entity with id '${parsed.id}' already exists`);
    const entity = serializeEntity(row);
    await recordHistory(ctx, {
      customerId: customer.id,
      objectType: "entity",
      objectId: entity.id,
      type: "seat.added",
      at: now,
      before: null,
      after: entity,
    });
    // The entities bucket maps the seat to its customer (the SDK's `userId`), once this commits.
    await enqueueOutbox(ctx, "entity", entity.id);
    const level = await gaugeLevel(ctx, customer.id, parsed.feature);
    const invoice = await invoiceLevelChange(ctx, {
      customerId: customer.id,
      feature: parsed.feature,
      level,
      change: 1,
      now,
    });
    return { ...entity, level, invoice };
  });
}

export async function listEntities({
  ctx,
  customerId,
  query,
}: {
  ctx: EngineContext;
  customerId: string;
  query: ListQuery | unknown;
}) {
  const { limit, startingAfter } = listQuery.parse(query ?? {});
  await loadCustomer(ctx, customerId);
  const { rows } = await db(ctx).query<EntityRow>(
    `SELECT * FROM entities WHERE env = $1 AND customer_id = $2 AND deleted_at IS NULL
       AND ($3::text IS NULL OR id > $3)
     ORDER BY id LIMIT $4`,
    [ctx.env, customerId, startingAfter ?? null, limit + 1],
  );
  return toListResult(rows, limit, serializeEntity);
}

/** `DELETE /v1/customers/:id/entities/:entityId`: lowers the gauge level by one. */
export async function deleteEntity({
  ctx,
  customerId,
  entityId,
}: {
  ctx: EngineContext;
  customerId: string;
  entityId: string;
}) {
  return withTransaction(ctx, async (ctx) => {
    const customer = await loadCustomer(ctx, customerId, { forUpdate: true });
    const now = await customerNow(ctx, customer);
    const { rows } = await db(ctx).query<EntityRow>(
      `UPDATE entities SET deleted_at = $4 WHERE env = $1 AND id = $2 AND customer_id = $3 AND deleted_at IS NULL
       RETURNING *`,
      [ctx.env, entityId, customerId, now],
    );
    const row = rows[0];
    if (!row) throw notFound("entity", entityId);
    const entity = serializeEntity(row);
    await recordHistory(ctx, {
      customerId,
      objectType: "entity",
      objectId: entityId,
      type: "seat.removed",
      at: now,
      before: { ...entity, deletedAt: null },
      after: entity,
    });
    await enqueueOutbox(ctx, "entity", entityId);
    const level = await gaugeLevel(ctx, customerId, row.feature);
    const invoice = await invoiceLevelChange(ctx, { customerId, feature: row.feature, level, change: -1, now });
    return { ...entity, deleted: true, level, invoice };
  });
}

/** Prorates a seat added or removed on every live subscription whose plan prices the gauge (PRODUCT §7). */
async function invoiceLevelChange(
  ctx: EngineContext,
  {
    customerId,
    feature,
    level,
    change,
    now,
  }: { customerId: string; feature: string; level: number; change: number; now: Date },
): Promise<InvoiceView | null> {
  let invoice: InvoiceView | null = null;
  for (const sub of await listLiveSubscriptions(ctx, customerId)) {
    const plan = await loadPlanVersion(ctx, sub.plan, sub.planVersion);
    const made = await invoiceSeatChange(ctx, {
      sub,
      plan,
      feature,
      levelBefore: level - change,
      levelAfter: level,
      now,
    });
    invoice ??= made;
  }
  return invoice;
}

/** The customer's level of a gauge feature: its active entities. */
export async function gaugeLevel(ctx: EngineContext, customerId: string, feature: string): Promise<number> {
  const { rows } = await db(ctx).query<{ count: number }>(
    "SELECT count(*)::int AS count FROM entities WHERE env = $1 AND customer_id = $2 AND feature = $3 AND deleted_at IS NULL",
    [ctx.env, customerId, feature],
  );
  return rows[0]?.count ?? 0;
}
