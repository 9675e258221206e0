import { db, type EngineContext } from "../context";
import type { FeatureFacts } from "./resolve-entitlements";

export async function loadFeatureFacts(ctx: EngineContext): Promise<Map<string, FeatureFacts>> {
  const { rows } = await db(ctx).query<{
    id: string;
    type: FeatureFacts["type"];
    definition: { creditCosts?: Record<string, number> };
  }>("SELECT id, type, definition FROM features WHERE env = $1", [ctx.env]);
  return new Map(rows.map((row) => [row.id, { type: row.type, creditCosts: row.definition.creditCosts }]));
}
