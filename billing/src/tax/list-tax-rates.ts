import { db, type EngineContext } from "../context";
import { type ListQuery, type ListResult, listQuery, toListResult } from "../http/list-query";
import { loadTaxRate, type TaxRate, type TaxRateRow, toTaxRate } from "./tax-rate-record";

/** `GET /v1/tax-rates`: every rate of the environment (archived ones too), by id; the cursor is a rate id. */
export async function listTaxRates({
  ctx,
  query,
}: {
  ctx: EngineContext;
  query: ListQuery | unknown;
}): Promise<ListResult<TaxRate>> {
  const { limit, startingAfter } = listQuery.parse(query ?? {});
  const { rows } = await db(ctx).query<TaxRateRow>(
    "SELECT * FROM tax_rates WHERE env = $1 AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3",
    [ctx.env, startingAfter ?? null, limit + 1],
  );
  return toListResult(rows, limit, toTaxRate);
}

/** `GET /v1/tax-rates/:id`. */
export async function getTaxRate({ ctx, id }: { ctx: EngineContext; id: string }): Promise<TaxRate> {
  return loadTaxRate(ctx, id);
}
