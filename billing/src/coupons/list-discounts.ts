import { invalid } from "@lumen/core";
import { db, type EngineContext } from "../context";
import { loadCustomer } from "../customers/customer-record";
import { type ListQuery, type ListResult, listQuery, toListResult } from "../http/list-query";
import { DISCOUNT_ORDER, DISCOUNT_SELECT, type Discount, type DiscountRow, toDiscount } from "./discount-record";

/** `GET /v1/customers/:id/discounts`: every discount of the customer (ended ones too), oldest first. */
export async function listDiscounts({
  ctx,
  customerId,
  query,
}: {
  ctx: EngineContext;
  customerId: string;
  query: ListQuery | unknown;
}): Promise<ListResult<Discount>> {
  const { limit, startingAfter } = listQuery.parse(query ?? {});
  await loadCustomer(ctx, customerId);
  if (startingAfter !== undefined) {
    const { rows: cursor } = await db(ctx).query(
      "SELECT 1 FROM customer_discounts WHERE env = $1 AND customer_id = $2 AND id = $3",
      [ctx.env, customerId, startingAfter],
    );
    if (cursor.length === 0) throw invalid("startingAfter", "no discount of this customer has this id");
  }
  const { rows } = await db(ctx).query<DiscountRow>(
    `${DISCOUNT_SELECT} WHERE d.env = $1 AND d.customer_id = $2
       AND ($3::text IS NULL OR (d.created_at, d.id) >
         (SELECT created_at, id FROM customer_discounts WHERE env = $1 AND id = $3))
     ${DISCOUNT_ORDER} LIMIT $4`,
    [ctx.env, customerId, startingAfter ?? null, limit + 1],
  );
  return toListResult(rows, limit, toDiscount);
}
