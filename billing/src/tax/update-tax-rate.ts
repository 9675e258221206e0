import { db, type EngineContext, withTransaction } from "../context";
import { emptyBody } from "../http/list-query";
import { type UpdateTaxRateInput, updateTaxRateInput } from "./schemas";
import { loadTaxRate, type TaxRate, type TaxRateRow, toTaxRate } from "./tax-rate-record";

/**
 * `PATCH /v1/tax-rates/:id`: a new name or percentage applies to invoices finalized from now on; final invoices keep
 * the rate they were finalized with (it is written on their lines).
 */
export async function updateTaxRate({
  ctx,
  id,
  input,
}: {
  ctx: EngineContext;
  id: string;
  input: UpdateTaxRateInput | unknown;
}): Promise<TaxRate> {
  const parsed = updateTaxRateInput.parse(input ?? {});
  return withTransaction(ctx, async (ctx) => {
    const before = await loadTaxRate(ctx, id, { forUpdate: true });
    const { rows } = await db(ctx).query<TaxRateRow>(
      "UPDATE tax_rates SET name = $3, percentage = $4, updated_at = $5 WHERE env = $1 AND id = $2 RETURNING *",
      [ctx.env, id, parsed.name ?? before.name, parsed.percentage ?? before.percentage, ctx.clock.now()],
    );
    return toTaxRate(rows[0]!);
  });
}

/** `POST /v1/tax-rates/:id/archive`: the rate no longer applies; archiving twice answers it unchanged. */
export async function archiveTaxRate({
  ctx,
  id,
  input,
}: {
  ctx: EngineContext;
  id: string;
  input?: unknown;
}): Promise<TaxRate> {
  emptyBody.parse(input);
  return withTransaction(ctx, async (ctx) => {
    const before = await loadTaxRate(ctx, id, { forUpdate: true });
    if (before.archivedAt) return before;
    const { rows } = await db(ctx).query<TaxRateRow>(
      "UPDATE tax_rates SET archived_at = $3, updated_at = $3 WHERE env = $1 AND id = $2 RETURNING *",
      [ctx.env, id, ctx.clock.now()],
    );
    return toTaxRate(rows[0]!);
  });
}
