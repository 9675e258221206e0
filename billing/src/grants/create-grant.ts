import { invalid, newId } from "@lumen/core";
import { loadFeatureType } from "../catalog/load-feature-type";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, withTransaction } from "../context";
import { loadCustomer } from "../customers/customer-record";
import { recordHistory } from "../history/record-history";
import { type Grant, type GrantRow, toGrant } from "./grant-record";
import { type CreateGrantInput, createGrantInput } from "./schemas";

/**
 * `POST /v1/customers/:id/grants`: units of a feature on top of the plans' allowance, burned after it by priority,
 * then earliest expiry, then earliest creation (PRODUCT §10). It starts at the customer's current time.
 */
export async function createGrant({
  ctx,
  customerId,
  input,
}: {
  ctx: EngineContext;
  customerId: string;
  input: CreateGrantInput | unknown;
}): Promise<Grant> {
  const parsed = createGrantInput.parse(input);
  return withTransaction(ctx, async (ctx) => {
    const customer = await loadCustomer(ctx, customerId, { forUpdate: true });
    const type = await loadFeatureType(ctx, parsed.feature);
    if (type === "boolean") {
      throw invalid("feature", `'${parsed.feature}' is a boolean feature: it has no units to grant`);
    }
    const now = await customerNow(ctx, customer);
    const expiresAt = parsed.expiresAt ?? null;
    if (expiresAt && expiresAt.getTime() <= now.getTime()) {
      throw invalid("expiresAt", `must be after the customer's current time (${now.toISOString()})`);
    }
    const { rows } = await db(ctx).query<GrantRow>(
      `INSERT INTO grants (env, id, customer_id, feature, amount, priority, expires_at, reason, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING *`,
      [
        ctx.env,
        newId("grt"),
        customer.id,
        parsed.feature,
        parsed.amount,
        parsed.priority,
        expiresAt,
        parsed.reason ?? null,
        now,
      ],
    );
    const grant = toGrant(rows[0]!);
    await recordHistory(ctx, {
      customerId: customer.id,
      objectType: "grant",
      objectId: grant.id,
      type: "grant.created",
      at: now,
      before: null,
      after: grant,
    });
    return grant;
  });
}
