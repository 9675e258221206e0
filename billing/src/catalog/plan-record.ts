import { LumenError, notFound } from "@lumen/core";
import { db, type EngineContext } from "../context";
import type { PlanDefinition } from "./schemas";

export interface PlanVersion {
  plan: string;
  version: number;
  definition: PlanDefinition;
  createdAt: Date;
}

export interface PlanHead {
  id: string;
  latestVersion: number;
  archivedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

interface PlanHeadRow {
  id: string;
  latest_version: number;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export async function loadPlanHead(
  ctx: EngineContext,
  id: string,
  { forUpdate = false }: { forUpdate?: boolean } = {},
): Promise<PlanHead> {
  const { rows } = await db(ctx).query<PlanHeadRow>(
    `SELECT * FROM plans WHERE env = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`,
    [ctx.env, id],
  );
  const row = rows[0];
  if (!row) throw notFound("plan", id);
  return {
    id: row.id,
    latestVersion: row.latest_version,
    archivedAt: row.archived_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** One immutable version of a plan; the latest when `version` is omitted. */
export async function loadPlanVersion(ctx: EngineContext, planId: string, version?: number): Promise<PlanVersion> {
  const { rows } = await db(ctx).query<{
    plan_id: string;
    version: number;
    definition: PlanDefinition;
    created_at: Date;
  }>(
    version === undefined
      ? `SELECT v.* FROM plan_versions v JOIN plans p ON p.env = v.env AND p.id = v.plan_id AND p.latest_version = v.version
         WHERE v.env = $1 AND v.plan_id = $2`
      : "SELECT * FROM plan_versions WHERE env = $1 AND plan_id = $2 AND version = $3",
    version === undefined ? [ctx.env, planId] : [ctx.env, planId, version],
  );
  const row = rows[0];
  if (!row) {
    if (version === undefined) throw notFound("plan", planId);
    throw new LumenError("not_found", `Plan '${planId}' has no version ${version}`);
  }
  return { plan: row.plan_id, version: row.version, definition: row.definition, createdAt: row.created_at };
}

/** Memoises plan versions within one operation (entitlement summaries read many). */
export function planVersionCache(ctx: EngineContext) {
  const cache = new Map<string, Promise<PlanVersion>>();
  return (planId: string, version: number) => {
    const key = `${planId}@${version}`;
    let found = cache.get(key);
    if (!found) {
      found = loadPlanVersion(ctx, planId, version);
      cache.set(key, found);
    }
    return found;
  };
}
