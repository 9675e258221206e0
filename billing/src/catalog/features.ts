import { canonicalJson, LumenError, notFound } from "@lumen/core";
import { db, type EngineContext, withTransaction } from "../context";
import { enqueueEveryCustomer } from "../definitions/enqueue-outbox";
import { recordHistory } from "../history/record-history";
import { type ListQuery, listQuery, toListResult } from "../http/list-query";
import { checkFeatureAgainstFeatures, type FeatureCatalog } from "./plan-rules";
import { type CreateFeatureInput, createFeatureInput, type UpdateFeatureInput, updateFeatureInput } from "./schemas";

interface FeatureRow {
  id: string;
  name: string;
  type: CreateFeatureInput["type"];
  definition: Pick<CreateFeatureInput, "meter" | "creditCosts" | "unit" | "metadata">;
  version: number;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function serializeFeature(row: FeatureRow) {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    meter: row.definition.meter ?? null,
    creditCosts: row.definition.creditCosts ?? null,
    unit: row.definition.unit ?? null,
    metadata: row.definition.metadata ?? {},
    archived: row.archived_at !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function loadFeatureCatalog(ctx: EngineContext): Promise<FeatureCatalog> {
  const { rows } = await db(ctx).query<FeatureRow>("SELECT * FROM features WHERE env = $1", [ctx.env]);
  return new Map(
    rows.map((row) => [
      row.id,
      {
        type: row.type,
        meter: row.definition.meter,
        creditCosts: row.definition.creditCosts,
        archived: row.archived_at !== null,
      },
    ]),
  );
}

function rejectIfInvalid(details: { path: string; message: string }[]): void {
  const first = details[0];
  if (first) throw new LumenError("validation_error", `Invalid ${first.path}: ${first.message}`, details);
}

/** `POST /v1/features` (PRODUCT §2). */
export async function createFeature({ ctx, input }: { ctx: EngineContext; input: unknown }) {
  const parsed = createFeatureInput.parse(input);
  return withTransaction(ctx, async (ctx) => {
    rejectIfInvalid(checkFeatureAgainstFeatures(parsed, await loadFeatureCatalog(ctx)));
    const now = ctx.clock.now();
    const { meter, creditCosts, unit, metadata } = parsed;
    const { rows } = await db(ctx).query<FeatureRow>(
      `INSERT INTO features (env, id, name, type, definition, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
       ON CONFLICT (env, id) DO NOTHING RETURNING *`,
      [ctx.env, parsed.id, parsed.name, parsed.type, JSON.stringify({ meter, creditCosts, unit, metadata }), now],
    );
    const row = rows[0];
    if (!row) throw new LumenError("conflict", `A feature with id '${parsed.id}' already exists`);
    const feature = serializeFeature(row);
    await recordHistory(ctx, {
      customerId: null,
      objectType: "feature",
      objectId: row.id,
      type: "feature.created",
      at: now,
      before: null,
      after: feature,
    });
    return feature;
  });
}

async function loadFeatureRow(ctx: EngineContext, id: string, forUpdate = false): Promise<FeatureRow> {
  const { rows } = await db(ctx).query<FeatureRow>(
    `SELECT * FROM features WHERE env = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`,
    [ctx.env, id],
  );
  const row = rows[0];
  if (!row) throw notFound("feature", id);
  return row;
}

export async function getFeature({ ctx, id }: { ctx: EngineContext; id: string }) {
  return serializeFeature(await loadFeatureRow(ctx, id));
}

export async function listFeatures({ ctx, query }: { ctx: EngineContext; query: ListQuery | unknown }) {
  const { limit, startingAfter } = listQuery.parse(query ?? {});
  const { rows } = await db(ctx).query<FeatureRow>(
    "SELECT * FROM features WHERE env = $1 AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3",
    [ctx.env, startingAfter ?? null, limit + 1],
  );
  return toListResult(rows, limit, serializeFeature);
}

/** `PATCH /v1/features/:id`: name, meter, credit costs, unit and metadata; the type never changes. */
export async function updateFeature({
  ctx,
  id,
  input,
}: {
  ctx: EngineContext;
  id: string;
  input: UpdateFeatureInput | unknown;
}) {
  const parsed = updateFeatureInput.parse(input ?? {});
  return withTransaction(ctx, async (ctx) => {
    const before = await loadFeatureRow(ctx, id, true);
    const definition = { ...before.definition };
    if (parsed.meter !== undefined) definition.meter = parsed.meter;
    if (parsed.creditCosts !== undefined) definition.creditCosts = parsed.creditCosts;
    if (parsed.unit !== undefined) definition.unit = parsed.unit;
    if (parsed.metadata !== undefined) definition.metadata = parsed.metadata;
    const candidate = { id, name: parsed.name ?? before.name, type: before.type, ...definition };
    const whole = createFeatureInput.safeParse(candidate);
    if (!whole.success) throw whole.error;
    rejectIfInvalid(checkFeatureAgainstFeatures(whole.data, await loadFeatureCatalog(ctx)));
    const now = ctx.clock.now();
    const { rows } = await db(ctx).query<FeatureRow>(
      `UPDATE features SET name = $3, definition = $4, version = version + 1, updated_at = $5
       WHERE env = $1 AND id = $2 RETURNING *`,
      [ctx.env, id, candidate.name, JSON.stringify(definition), now],
    );
    const after = serializeFeature(rows[0]!);
    // Every customer's definition carries the costs of every credits feature (whoever may hold it).
    if (canonicalJson(after.creditCosts) !== canonicalJson(serializeFeature(before).creditCosts)) {
      await enqueueEveryCustomer(ctx);
    }
    await recordHistory(ctx, {
      customerId: null,
      objectType: "feature",
      objectId: id,
      type: "feature.updated",
      at: now,
      before: serializeFeature(before),
      after,
    });
    return after;
  });
}

/** `POST /v1/features/:id/archive`: hidden from new plans; plans already using it keep it. */
export async function archiveFeature({ ctx, id }: { ctx: EngineContext; id: string }) {
  return withTransaction(ctx, async (ctx) => {
    const before = await loadFeatureRow(ctx, id, true);
    if (before.archived_at) return serializeFeature(before);
    const now = ctx.clock.now();
    const { rows } = await db(ctx).query<FeatureRow>(
      "UPDATE features SET archived_at = $3, version = version + 1, updated_at = $3 WHERE env = $1 AND id = $2 RETURNING *",
      [ctx.env, id, now],
    );
    const after = serializeFeature(rows[0]!);
    await recordHistory(ctx, {
      customerId: null,
      objectType: "feature",
      objectId: id,
      type: "feature.archived",
      at: now,
      before: serializeFeature(before),
      after,
    });
    return after;
  });
}
