import { LumenError } from "@lumen/core";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, withTransaction } from "../context";
import { loadCustomer } from "../customers/customer-record";
import { recordHistory } from "../history/record-history";
import { findOverride } from "./override-record";

/** `DELETE /v1/customers/:id/overrides/:feature`: the plans in force decide the feature again. */
export async function deleteOverride({
  ctx,
  customerId,
  feature,
}: {
  ctx: EngineContext;
  customerId: string;
  feature: string;
}): Promise<{ customer: string; feature: string; deleted: true }> {
  return withTransaction(ctx, async (ctx) => {
    const customer = await loadCustomer(ctx, customerId, { forUpdate: true });
    const before = await findOverride(ctx, { customerId, feature, forUpdate: true });
    if (!before) throw new LumenError("not_found", `Customer '${customerId}' has no override of '${feature}'`);
    await db(ctx).query("DELETE FROM overrides WHERE env = $1 AND customer_id = $2 AND feature = $3", [
      ctx.env,
      customerId,
      feature,
    ]);
    await recordHistory(ctx, {
      customerId,
      objectType: "override",
      objectId: feature,
      type: "override.deleted",
      at: await customerNow(ctx, customer),
      before,
      after: null,
    });
    return { customer: customerId, feature, deleted: true };
  });
}
