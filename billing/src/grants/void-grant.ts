import { LumenError } from "@lumen/core";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, withTransaction } from "../context";
import { loadCustomer } from "../customers/customer-record";
import { recordHistory } from "../history/record-history";
import { emptyBody } from "../http/list-query";
import { type Grant, type GrantRow, loadGrant, toGrant } from "./grant-record";

/**
 * `POST /v1/customers/:id/grants/:grantId/void`: the grant stops counting at the customer's current time, like an
 * expiry: what it already absorbed stays absorbed, its unused part is gone.
 */
export async function voidGrant({
  ctx,
  customerId,
  grantId,
  input,
}: {
  ctx: EngineContext;
  customerId: string;
  grantId: string;
  input?: unknown;
}): Promise<Grant> {
  emptyBody.parse(input);
  return withTransaction(ctx, async (ctx) => {
    const customer = await loadCustomer(ctx, customerId, { forUpdate: true });
    const before = await loadGrant(ctx, { customerId, grantId, forUpdate: true });
    const now = await customerNow(ctx, customer);
    if (before.voidedAt) throw new LumenError("conflict", `Grant '${grantId}' is already voided`);
    if (before.expiresAt && before.expiresAt.getTime() <= now.getTime()) {
      throw new LumenError("conflict", `Grant '${grantId}' already expired at ${before.expiresAt.toISOString()}`);
    }
    const { rows } = await db(ctx).query<GrantRow>(
      "UPDATE grants SET voided_at = $3 WHERE env = $1 AND id = $2 RETURNING *",
      [ctx.env, grantId, now],
    );
    const grant = toGrant(rows[0]!);
    await recordHistory(ctx, {
      customerId,
      objectType: "grant",
      objectId: grantId,
      type: "grant.voided",
      at: now,
      before,
      after: grant,
    });
    return grant;
  });
}
