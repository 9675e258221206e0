import { notFound } from "@lumen/core";
import { db, type EngineContext } from "../context";
import type { FeatureType } from "./schemas";

/** The type of a feature of the context's environment (archived ones included); 404 when there is none. */
export async function loadFeatureType(ctx: EngineContext, id: string): Promise<FeatureType> {
  const { rows } = await db(ctx).query<{ type: FeatureType }>("SELECT type FROM features WHERE env = $1 AND id = $2", [
    ctx.env,
    id,
  ]);
  const row = rows[0];
  if (!row) throw notFound("feature", id);
  return row.type;
}
