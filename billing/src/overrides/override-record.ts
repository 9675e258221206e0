import { db, type EngineContext } from "../context";

/** A per-customer exception to the plans in force (PRODUCT §10); with `expiresAt`, a feature trial. */
export interface Override {
  customer: string;
  feature: string;
  /** false removes the feature. */
  enabled: boolean;
  /** Replaces the period allowance; null keeps the plans'. */
  included: number | "unlimited" | null;
  expiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface OverrideRow {
  customer_id: string;
  feature: string;
  enabled: boolean;
  included: number | "unlimited" | null;
  expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export function toOverride(row: OverrideRow): Override {
  return {
    customer: row.customer_id,
    feature: row.feature,
    enabled: row.enabled,
    included: row.included,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The customer's override of one feature, optionally locked; null when it has none. */
export async function findOverride(
  ctx: EngineContext,
  { customerId, feature, forUpdate = false }: { customerId: string; feature: string; forUpdate?: boolean },
): Promise<Override | null> {
  const { rows } = await db(ctx).query<OverrideRow>(
    `SELECT * FROM overrides WHERE env = $1 AND customer_id = $2 AND feature = $3${forUpdate ? " FOR UPDATE" : ""}`,
    [ctx.env, customerId, feature],
  );
  const row = rows[0];
  return row ? toOverride(row) : null;
}

/** Every override of a customer, expired ones included (a check says `trial_ended` after one), by feature. */
export async function loadCustomerOverrides(ctx: EngineContext, customerId: string): Promise<Override[]> {
  const { rows } = await db(ctx).query<OverrideRow>(
    "SELECT * FROM overrides WHERE env = $1 AND customer_id = $2 ORDER BY feature",
    [ctx.env, customerId],
  );
  return rows.map(toOverride);
}
