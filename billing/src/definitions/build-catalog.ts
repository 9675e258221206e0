import type { CatalogDefinition, MeterDefinition } from "@lumen/core";
import type { FeatureType } from "../catalog/schemas";
import { db, type EngineContext } from "../context";

/** The environment's feature catalog (meters and credit costs) as aggregators and sidecars read it. */
export async function buildCatalog(ctx: EngineContext, version: number): Promise<CatalogDefinition> {
  const { rows } = await db(ctx).query<{
    id: string;
    type: FeatureType;
    definition: { meter?: MeterDefinition; creditCosts?: Record<string, number> };
  }>("SELECT id, type, definition FROM features WHERE env = $1 ORDER BY id", [ctx.env]);
  const features: CatalogDefinition["features"] = {};
  for (const row of rows) {
    features[row.id] = {
      type: row.type,
      meter: row.definition.meter ?? null,
      creditCosts: row.definition.creditCosts ?? null,
    };
  }
  return { env: ctx.env, version, features };
}
