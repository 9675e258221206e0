import { invalid } from "@lumen/core";
import { loadFeatureType } from "../catalog/load-feature-type";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, withTransaction } from "../context";
import { loadCustomer } from "../customers/customer-record";
import { recordHistory } from "../history/record-history";
import { findOverride, type Override, type OverrideRow, toOverride } from "./override-record";
import { type SetOverrideInput, setOverrideInput } from "./schemas";

/**
 * `PUT /v1/customers/:id/overrides/:feature`: a per-customer exception without a new plan (PRODUCT §10); it
 * replaces the customer's override of the feature, if any.
 */
export async function setOverride({
  ctx,
  customerId,
  feature,
  input,
}: {
  ctx: EngineContext;
  customerId: string;
  feature: string;
  input: SetOverrideInput | unknown;
}): Promise<Override> {
  const parsed = setOverrideInput.parse(input);
  return withTransaction(ctx, async (ctx) => {
    const customer = await loadCustomer(ctx, customerId, { forUpdate: true });
    const type = await loadFeatureType(ctx, feature);
    const included = parsed.included ?? null;
    if (included !== null && type === "boolean") {
      throw invalid("included", `'${feature}' is a boolean feature: it has no allowance`);
    }
    if (included !== null && !parsed.enabled) {
      throw invalid("included", "an override that disables the feature has no allowance");
    }
    const now = await customerNow(ctx, customer);
    const expiresAt = parsed.expiresAt ?? null;
    if (expiresAt && expiresAt.getTime() <= now.getTime()) {
      throw invalid("expiresAt", `must be after the customer's current time (${now.toISOString()})`);
    }
    const before = await findOverride(ctx, { customerId, feature, forUpdate: true });
    const { rows } = await db(ctx).query<OverrideRow>(
      `INSERT INTO overrides (env, customer_id, feature, enabled, included, expires_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
       ON CONFLICT (env, customer_id, feature) DO UPDATE SET enabled = EXCLUDED.enabled,
         included = EXCLUDED.included, expires_at = EXCLUDED.expires_at, updated_at = EXCLUDED.updated_at
       RETURNING *`,
      [
        ctx.env,
        customerId,
        feature,
        parsed.enabled,
        included === null ? null : JSON.stringify(included),
        expiresAt,
        now,
      ],
    );
    const override = toOverride(rows[0]!);
    await recordHistory(ctx, {
      customerId,
      objectType: "override",
      objectId: feature,
      type: "override.set",
      at: now,
      before,
      after: override,
    });
    return override;
  });
}
