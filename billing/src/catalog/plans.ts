import { LumenError } from "@lumen/core";
import { z } from "zod";
import { db, type EngineContext, withTransaction } from "../context";
import { recordHistory } from "../history/record-history";
import { type ListQuery, listQuery, toListResult } from "../http/list-query";
import { loadFeatureCatalog } from "./features";
import { loadPlanHead, loadPlanVersion, type PlanHead, type PlanVersion } from "./plan-record";
import { checkPlanAgainstFeatures } from "./plan-rules";
import { createPlanInput, type PlanDefinition, planDefinitionsEqual, updatePlanInput } from "./schemas";

export function serializePlan(head: PlanHead, version: PlanVersion) {
  return {
    id: head.id,
    version: version.version,
    ...version.definition,
    archived: head.archivedAt !== null,
    latestVersion: head.latestVersion,
    createdAt: head.createdAt,
    versionCreatedAt: version.createdAt,
  };
}

async function checkDefinition(ctx: EngineContext, planId: string, definition: PlanDefinition): Promise<void> {
  const details = checkPlanAgainstFeatures(definition, await loadFeatureCatalog(ctx));
  const first = details[0];
  if (first) throw new LumenError("validation_error", `Invalid ${first.path}: ${first.message}`, details);
  if (definition.default && !definition.addOn) {
    // One default plan per group: new customers get exactly one plan of each group. The lock serialises
    // concurrent creations of defaults in one group until the transaction ends.
    await db(ctx).query("SELECT pg_advisory_xact_lock(hashtext($1))", [`lumen.default.${ctx.env}.${definition.group}`]);
    const { rows } = await db(ctx).query<{ id: string }>(
      `SELECT p.id FROM plans p JOIN plan_versions v ON v.env = p.env AND v.plan_id = p.id AND v.version = p.latest_version
       WHERE p.env = $1 AND p.id <> $2 AND p.archived_at IS NULL AND (v.definition->>'default')::boolean
         AND NOT (v.definition->>'addOn')::boolean AND v.definition->>'group' IS NOT DISTINCT FROM $3`,
      [ctx.env, planId, definition.group ?? null],
    );
    if (rows[0]) {
      throw new LumenError("conflict", `Plan '${rows[0].id}' is already the default of group '${definition.group}'`, [
        { path: "default", message: "another plan of the group is the default" },
      ]);
    }
  }
}

async function insertVersion(
  ctx: EngineContext,
  planId: string,
  version: number,
  definition: PlanDefinition,
  now: Date,
) {
  await db(ctx).query(
    "INSERT INTO plan_versions (env, plan_id, version, definition, created_at) VALUES ($1, $2, $3, $4, $5)",
    [ctx.env, planId, version, JSON.stringify(definition), now],
  );
}

/** `POST /v1/plans`: the plan and its version 1. */
export async function createPlan({ ctx, input }: { ctx: EngineContext; input: unknown }) {
  const { id, ...definition } = createPlanInput.parse(input);
  return withTransaction(ctx, async (ctx) => {
    await checkDefinition(ctx, id, definition);
    const now = ctx.clock.now();
    const inserted = await db(ctx).query(
      `INSERT INTO plans (env, id, latest_version, created_at, updated_at) VALUES ($1, $2, 1, $3, $3)
       ON CONFLICT (env, id) DO NOTHING`,
      [ctx.env, id, now],
    );
    if (inserted.rowCount !== 1) throw new LumenError("conflict", `A plan with id '${id}' already exists`);
    await insertVersion(ctx, id, 1, definition, now);
    const plan = serializePlan(await loadPlanHead(ctx, id), await loadPlanVersion(ctx, id, 1));
    await recordHistory(ctx, {
      customerId: null,
      objectType: "plan",
      objectId: id,
      type: "plan.created",
      at: now,
      before: null,
      after: plan,
    });
    return plan;
  });
}

/** `PUT /v1/plans/:id`: version n+1 when the definition differs; the same version otherwise. */
export async function updatePlan({ ctx, id, input }: { ctx: EngineContext; id: string; input: unknown }) {
  const definition = updatePlanInput.parse(input);
  return withTransaction(ctx, async (ctx) => {
    const head = await loadPlanHead(ctx, id, { forUpdate: true });
    const latest = await loadPlanVersion(ctx, id, head.latestVersion);
    if (planDefinitionsEqual(latest.definition, definition)) return { ...serializePlan(head, latest), created: false };
    if (latest.definition.currency !== definition.currency) {
      throw new LumenError("validation_error", "A plan's currency cannot change; create another plan", [
        { path: "currency", message: `must stay ${latest.definition.currency}` },
      ]);
    }
    await checkDefinition(ctx, id, definition);
    const now = ctx.clock.now();
    const version = head.latestVersion + 1;
    await insertVersion(ctx, id, version, definition, now);
    await db(ctx).query("UPDATE plans SET latest_version = $3, updated_at = $4 WHERE env = $1 AND id = $2", [
      ctx.env,
      id,
      version,
      now,
    ]);
    const plan = serializePlan(await loadPlanHead(ctx, id), await loadPlanVersion(ctx, id, version));
    await recordHistory(ctx, {
      customerId: null,
      objectType: "plan",
      objectId: id,
      type: "plan.version_created",
      at: now,
      before: serializePlan(head, latest),
      after: plan,
    });
    return { ...plan, created: true };
  });
}

export async function getPlan({ ctx, id }: { ctx: EngineContext; id: string }) {
  const head = await loadPlanHead(ctx, id);
  return serializePlan(head, await loadPlanVersion(ctx, id, head.latestVersion));
}

export async function getPlanVersion({ ctx, id, version }: { ctx: EngineContext; id: string; version: string }) {
  const number = Number(version);
  if (!Number.isInteger(number) || number < 1) {
    throw new LumenError("validation_error", "A version is a positive integer", [
      { path: "version", message: "must be a positive integer" },
    ]);
  }
  const head = await loadPlanHead(ctx, id);
  return serializePlan(head, await loadPlanVersion(ctx, id, number));
}

export const planVersionsQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  startingAfter: z.coerce.number().int().min(0).optional(),
});

/** `GET /v1/plans/:id/versions`, oldest first; `startingAfter` is a version number. */
export async function listPlanVersions({ ctx, id, query }: { ctx: EngineContext; id: string; query?: unknown }) {
  const { limit, startingAfter } = planVersionsQuery.parse(query ?? {});
  const head = await loadPlanHead(ctx, id);
  const { rows } = await db(ctx).query<{ version: number; definition: PlanDefinition; created_at: Date }>(
    `SELECT version, definition, created_at FROM plan_versions WHERE env = $1 AND plan_id = $2 AND version > $3
     ORDER BY version LIMIT $4`,
    [ctx.env, id, startingAfter ?? 0, limit + 1],
  );
  return toListResult(rows, limit, (row) =>
    serializePlan(head, { plan: id, version: row.version, definition: row.definition, createdAt: row.created_at }),
  );
}

export async function listPlans({ ctx, query }: { ctx: EngineContext; query: ListQuery | unknown }) {
  const { limit, startingAfter } = listQuery.parse(query ?? {});
  const { rows } = await db(ctx).query<{
    id: string;
    latest_version: number;
    archived_at: Date | null;
    created_at: Date;
    updated_at: Date;
    definition: PlanDefinition;
    version_created_at: Date;
  }>(
    `SELECT p.*, v.definition, v.created_at AS version_created_at FROM plans p
     JOIN plan_versions v ON v.env = p.env AND v.plan_id = p.id AND v.version = p.latest_version
     WHERE p.env = $1 AND ($2::text IS NULL OR p.id > $2) ORDER BY p.id LIMIT $3`,
    [ctx.env, startingAfter ?? null, limit + 1],
  );
  return toListResult(rows, limit, (row) =>
    serializePlan(
      {
        id: row.id,
        latestVersion: row.latest_version,
        archivedAt: row.archived_at,
        createdAt: row.created_at,
        updatedAt: row.updated_at,
      },
      { plan: row.id, version: row.latest_version, definition: row.definition, createdAt: row.version_created_at },
    ),
  );
}

/** `POST /v1/plans/:id/archive`: never attached to new customers again; existing subscriptions keep it. */
export async function archivePlan({ ctx, id }: { ctx: EngineContext; id: string }) {
  return withTransaction(ctx, async (ctx) => {
    const head = await loadPlanHead(ctx, id, { forUpdate: true });
    const latest = await loadPlanVersion(ctx, id, head.latestVersion);
    if (head.archivedAt) return serializePlan(head, latest);
    const now = ctx.clock.now();
    await db(ctx).query("UPDATE plans SET archived_at = $3, updated_at = $3 WHERE env = $1 AND id = $2", [
      ctx.env,
      id,
      now,
    ]);
    const after = serializePlan(await loadPlanHead(ctx, id), latest);
    await recordHistory(ctx, {
      customerId: null,
      objectType: "plan",
      objectId: id,
      type: "plan.archived",
      at: now,
      before: serializePlan(head, latest),
      after,
    });
    return after;
  });
}
