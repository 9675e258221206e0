import { invalid } from "@lumen/core";
import { db, type EngineContext } from "../context";
import { loadCustomer } from "../customers/customer-record";
import { type ListQuery, type ListResult, listQuery, toListResult } from "../http/list-query";
import { type Grant, type GrantRow, toGrant } from "./grant-record";

/** `GET /v1/customers/:id/grants`: every grant of the customer (voided and expired ones too), oldest first. */
export async function listGrants({
  ctx,
  customerId,
  query,
}: {
  ctx: EngineContext;
  customerId: string;
  query: ListQuery | unknown;
}): Promise<ListResult<Grant>> {
  const { limit, startingAfter } = listQuery.parse(query ?? {});
  await loadCustomer(ctx, customerId);
  if (startingAfter !== undefined) {
    const { rows: cursor } = await db(ctx).query(
      "SELECT 1 FROM grants WHERE env = $1 AND customer_id = $2 AND id = $3",
      [ctx.env, customerId, startingAfter],
    );
    if (cursor.length === 0) throw invalid("startingAfter", "no grant of this customer has this id");
  }
  const { rows } = await db(ctx).query<GrantRow>(
    `SELECT * FROM grants WHERE env = $1 AND customer_id = $2
       AND ($3::text IS NULL OR (created_at, seq) > (SELECT created_at, seq FROM grants WHERE env = $1 AND id = $3))
     ORDER BY created_at, seq LIMIT $4`,
    [ctx.env, customerId, startingAfter ?? null, limit + 1],
  );
  return toListResult(rows, limit, toGrant);
}
