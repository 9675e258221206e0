import { db, type EngineContext } from "../context";
import { loadCustomer } from "../customers/customer-record";
import { type ListQuery, type ListResult, listQuery, toListResult } from "../http/list-query";
import { type Override, type OverrideRow, toOverride } from "./override-record";

/** `GET /v1/customers/:id/overrides`: the customer's overrides (expired ones too), by feature id. */
export async function listOverrides({
  ctx,
  customerId,
  query,
}: {
  ctx: EngineContext;
  customerId: string;
  query: ListQuery | unknown;
}): Promise<ListResult<Override>> {
  const { limit, startingAfter } = listQuery.parse(query ?? {});
  await loadCustomer(ctx, customerId);
  const { rows } = await db(ctx).query<OverrideRow>(
    `SELECT * FROM overrides WHERE env = $1 AND customer_id = $2 AND ($3::text IS NULL OR feature > $3)
     ORDER BY feature LIMIT $4`,
    [ctx.env, customerId, startingAfter ?? null, limit + 1],
  );
  return toListResult(rows, limit, toOverride);
}
