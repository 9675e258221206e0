import { db, type EngineContext } from "../context";

/** Plans attached to every new customer: the latest version is `default`, not archived; base plans first. */
export async function listDefaultPlans(
  ctx: EngineContext,
  currency: string | null,
): Promise<{ id: string; currency: string }[]> {
  const { rows } = await db(ctx).query<{ id: string; currency: string }>(
    `SELECT p.id, v.definition->>'currency' AS currency FROM plans p JOIN plan_versions v ON v.env = p.env AND v.plan_id = p.id AND v.version = p.latest_version
     WHERE p.env = $1 AND p.archived_at IS NULL AND (v.definition->>'default')::boolean
       AND ($2::text IS NULL OR v.definition->>'currency' = $2)
     ORDER BY (v.definition->>'addOn')::boolean, p.created_at, p.id`,
    [ctx.env, currency],
  );
  return rows;
}
