import { notFound } from "@lumen/core";
import { db, type EngineContext } from "../context";

/** A grant of units of one feature to one customer (PRODUCT §10). */
export interface Grant {
  id: string;
  customer: string;
  feature: string;
  amount: number;
  /** Lower burns first. */
  priority: number;
  expiresAt: Date | null;
  reason: string | null;
  createdAt: Date;
  voidedAt: Date | null;
}

export interface GrantRow {
  id: string;
  customer_id: string;
  feature: string;
  /** numeric comes back from PostgreSQL as a string. */
  amount: string;
  priority: number;
  expires_at: Date | null;
  reason: string | null;
  created_at: Date;
  voided_at: Date | null;
}

export function toGrant(row: GrantRow): Grant {
  return {
    id: row.id,
    customer: row.customer_id,
    feature: row.feature,
    amount: Number(row.amount),
    priority: row.priority,
    expiresAt: row.expires_at,
    reason: row.reason,
    createdAt: row.created_at,
    voidedAt: row.voided_at,
  };
}

/** Every grant of a customer, voided and expired ones included, oldest first. */
export async function loadCustomerGrants(ctx: EngineContext, customerId: string): Promise<Grant[]> {
  const { rows } = await db(ctx).query<GrantRow>(
    "SELECT * FROM grants WHERE env = $1 AND customer_id = $2 ORDER BY created_at, seq",
    [ctx.env, customerId],
  );
  return rows.map(toGrant);
}

/** One grant of the customer, optionally locked; 404 when the customer has none with this id. */
export async function loadGrant(
  ctx: EngineContext,
  { customerId, grantId, forUpdate = false }: { customerId: string; grantId: string; forUpdate?: boolean },
): Promise<Grant> {
  const { rows } = await db(ctx).query<GrantRow>(
    `SELECT * FROM grants WHERE env = $1 AND customer_id = $2 AND id = $3${forUpdate ? " FOR UPDATE" : ""}`,
    [ctx.env, customerId, grantId],
  );
  const row = rows[0];
  if (!row) throw notFound("grant", grantId);
  return toGrant(row);
}
