import { LumenError } from "@lumen/core";
import { db, type EngineContext, withTransaction } from "../context";
import { type CreateTaxRateInput, createTaxRateInput } from "./schemas";
import { type TaxRate, type TaxRateRow, toTaxRate } from "./tax-rate-record";

/**
 * `POST /v1/tax-rates` (PRODUCT §8): a custom rate for a country, or one state of it, applied by the built-in rules to
 * customers there. One live rate per place: a second is a conflict until the first is archived.
 */
export async function createTaxRate({
  ctx,
  input,
}: {
  ctx: EngineContext;
  input: CreateTaxRateInput | unknown;
}): Promise<TaxRate> {
  const parsed = createTaxRateInput.parse(input);
  return withTransaction(ctx, async (ctx) => {
    await assertPlaceFree(ctx, parsed.country, parsed.state ?? null);
    const now = ctx.clock.now();
    const { rows } = await db(ctx).query<TaxRateRow>(
      `INSERT INTO tax_rates (env, id, name, country, state, percentage, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
       ON CONFLICT (env, id) DO NOTHING RETURNING *`,
      [ctx.env, parsed.id, parsed.name, parsed.country, parsed.state ?? null, parsed.percentage, now],
    );
    const row = rows[0];
    if (!row) throw new LumenError("conflict", `A tax rate with id '${parsed.id}' already exists`);
    return toTaxRate(row);
  });
}

async function assertPlaceFree(ctx: EngineContext, country: string, state: string | null): Promise<void> {
  // Serializes creations for one place, so that two racing requests cannot both pass the check.
  await db(ctx).query("SELECT pg_advisory_xact_lock(hashtext($1))", [`tax_rate:${ctx.env}:${country}:${state ?? ""}`]);
  const { rows } = await db(ctx).query<{ id: string }>(
    `SELECT id FROM tax_rates WHERE env = $1 AND country = $2 AND coalesce(state, '') = $3 AND archived_at IS NULL`,
    [ctx.env, country, state ?? ""],
  );
  const existing = rows[0];
  if (existing) {
    const place = state ? `${country}-${state}` : country;
    throw new LumenError("conflict", `The live tax rate '${existing.id}' already covers ${place}: archive it first`);
  }
}
