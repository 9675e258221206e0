import { type CustomTaxRate, Decimal, notFound } from "@lumen/core";
import { db, type EngineContext } from "../context";

/** A custom tax rate (PRODUCT §8): a percentage for a place outside the EU, or for one state of it. */
export interface TaxRate {
  id: string;
  name: string;
  country: string;
  /** The subdivision code ("CA"); null: the whole country. */
  state: string | null;
  /** A percentage as a decimal string ("7.25"). */
  percentage: string;
  createdAt: Date;
  updatedAt: Date;
  /** An archived rate no longer applies to invoices finalized after; final invoices keep theirs. */
  archivedAt: Date | null;
}

export interface TaxRateRow {
  id: string;
  name: string;
  country: string;
  state: string | null;
  /** numeric comes back from PostgreSQL as a string. */
  percentage: string;
  created_at: Date;
  updated_at: Date;
  archived_at: Date | null;
}

export function toTaxRate(row: TaxRateRow): TaxRate {
  return {
    id: row.id,
    name: row.name,
    country: row.country,
    state: row.state,
    percentage: new Decimal(row.percentage).toString(),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: row.archived_at,
  };
}

/** One tax rate of the environment, optionally locked; 404 when there is none with this id. */
export async function loadTaxRate(
  ctx: EngineContext,
  id: string,
  { forUpdate = false }: { forUpdate?: boolean } = {},
): Promise<TaxRate> {
  const { rows } = await db(ctx).query<TaxRateRow>(
    `SELECT * FROM tax_rates WHERE env = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`,
    [ctx.env, id],
  );
  const row = rows[0];
  if (!row) throw notFound("tax rate", id);
  return toTaxRate(row);
}

/** The live (not archived) rates of a country, as the rules match them. */
export async function loadLiveTaxRates(ctx: EngineContext, country: string): Promise<CustomTaxRate[]> {
  const { rows } = await db(ctx).query<TaxRateRow>(
    "SELECT * FROM tax_rates WHERE env = $1 AND country = $2 AND archived_at IS NULL",
    [ctx.env, country],
  );
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    country: row.country,
    state: row.state,
    percentage: new Decimal(row.percentage),
  }));
}
