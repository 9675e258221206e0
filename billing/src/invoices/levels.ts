import { db, type EngineContext } from "../context";

/**
 * The current level of each gauge feature of a customer that priced gauges bill in advance: its active entities
 * (seats, PRODUCT §5). A gauge moved by usage events alone has no entities; its level is the owner's counter.
 */
export async function loadLevels(ctx: EngineContext, customerId: string): Promise<Map<string, number>> {
  const levels = new Map<string, number>();
  if (ctx.pipeline) {
    const snapshot = await ctx.pipeline.snapshot(ctx.env, customerId).catch(() => null);
    for (const counter of snapshot?.counters ?? []) {
      if (counter.entity === null && counter.periodEnd === null) levels.set(counter.feature, counter.value);
    }
  }
  const { rows } = await db(ctx).query<{ feature: string; count: number }>(
    `SELECT feature, count(*)::int AS count FROM entities WHERE env = $1 AND customer_id = $2 AND deleted_at IS NULL
     GROUP BY feature`,
    [ctx.env, customerId],
  );
  for (const row of rows) levels.set(row.feature, row.count);
  return levels;
}
