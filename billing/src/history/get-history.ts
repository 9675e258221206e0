import { invalid, notFound } from "@lumen/core";
import { z } from "zod";
import { db, type EngineContext } from "../context";

export const historyQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  startingAfter: z.coerce.number().int().min(0).optional(),
});

/** `GET /v1/customers/:id/history`: every version of the customer's objects, in time order. */
export async function getCustomerHistory({
  ctx,
  customerId,
  query,
}: {
  ctx: EngineContext;
  customerId: string;
  query: unknown;
}) {
  const { limit, startingAfter } = historyQuery.parse(query ?? {});
  // History outlives the customer: a deleted customer's history stays readable.
  const { rows: known } = await db(ctx).query("SELECT 1 FROM customers WHERE env = $1 AND id = $2", [
    ctx.env,
    customerId,
  ]);
  if (known.length === 0) throw notFound("customer", customerId);
  if (startingAfter !== undefined) {
    const { rows: cursor } = await db(ctx).query(
      "SELECT 1 FROM history WHERE env = $1 AND customer_id = $2 AND id = $3",
      [ctx.env, customerId, startingAfter],
    );
    if (cursor.length === 0) throw invalid("startingAfter", "no history entry of this customer has this id");
  }
  const { rows } = await db(ctx).query<{
    id: number;
    at: Date;
    type: string;
    actor: string;
    object_type: string;
    object_id: string;
    before: unknown;
    after: unknown;
  }>(
    `SELECT id, at, type, actor, object_type, object_id, before, after FROM history
     WHERE env = $1 AND customer_id = $2
       AND ($3::bigint IS NULL OR (at, id) > (SELECT at, id FROM history WHERE id = $3))
     ORDER BY at, id LIMIT $4`,
    [ctx.env, customerId, startingAfter ?? null, limit + 1],
  );
  return {
    data: rows.slice(0, limit).map((row) => ({
      id: row.id,
      at: row.at,
      type: row.type,
      actor: row.actor,
      object: { type: row.object_type, id: row.object_id },
      before: row.before,
      after: row.after,
    })),
    hasMore: rows.length > limit,
  };
}
