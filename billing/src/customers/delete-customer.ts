import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, withTransaction } from "../context";
import { recordHistory } from "../history/record-history";
import { endOpenCheckouts } from "../payments/checkout";
import { cancelSubscription } from "../subscriptions/cancel-subscription";
import { listLiveSubscriptions } from "../subscriptions/subscription-record";
import { loadCustomer, serializeCustomer } from "./customer-record";
import { deleteEntity } from "./entities";

/** `DELETE /v1/customers/:id`: ends its subscriptions now and hides it; its history stays. */
export async function deleteCustomer({ ctx, id }: { ctx: EngineContext; id: string }) {
  return withTransaction(ctx, async (ctx) => {
    const customer = await loadCustomer(ctx, id, { forUpdate: true });
    for (const sub of await listLiveSubscriptions(ctx, id)) {
      await cancelSubscription({ ctx, id: sub.id, input: { when: "now" }, fallBackToDefault: false });
    }
    const now = await customerNow(ctx, customer);
    await endOpenCheckouts(ctx, { customerId: id, at: now });
    // Its entities go with it, so their ids are free again; each removal is a version like any other.
    const { rows: entities } = await db(ctx).query<{ id: string }>(
      "SELECT id FROM entities WHERE env = $1 AND customer_id = $2 AND deleted_at IS NULL ORDER BY id",
      [ctx.env, id],
    );
    for (const entity of entities) await deleteEntity({ ctx, customerId: id, entityId: entity.id });
    await db(ctx).query("UPDATE customers SET deleted_at = $3, version = version + 1 WHERE env = $1 AND id = $2", [
      ctx.env,
      id,
      now,
    ]);
    await recordHistory(ctx, {
      customerId: id,
      objectType: "customer",
      objectId: id,
      type: "customer.deleted",
      at: now,
      before: serializeCustomer(customer),
      after: null,
    });
    return { id, deleted: true };
  });
}
