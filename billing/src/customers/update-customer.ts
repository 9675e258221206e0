import { LumenError } from "@lumen/core";
import { customerNow } from "../clocks/customer-time";
import { db, type EngineContext, withTransaction } from "../context";
import { recordHistory } from "../history/record-history";
import { verifyTaxIds } from "../tax/verify-tax-ids";
import { type Customer, loadCustomer, serializeCustomer } from "./customer-record";
import { type UpdateCustomerInput, updateCustomerInput } from "./schemas";

/** `PATCH /v1/customers/:id`: fields given replace the stored ones; each change is a new version. */
export async function updateCustomer({
  ctx,
  id,
  input,
}: {
  ctx: EngineContext;
  id: string;
  input: UpdateCustomerInput;
}) {
  const parsed = updateCustomerInput.parse(input ?? {});
  // Asked before the transaction: a registry's answer can take seconds. Answers already stored are reused.
  const taxIds = parsed.taxIds
    ? await verifyTaxIds({ ctx, taxIds: parsed.taxIds, known: (await loadCustomer(ctx, id)).taxIds })
    : undefined;
  return withTransaction(ctx, async (ctx) => {
    const before = await loadCustomer(ctx, id, { forUpdate: true });
    if (parsed.currency && before.currency && parsed.currency !== before.currency) {
      const { rows } = await db(ctx).query(
        `SELECT 1 FROM subscriptions WHERE env = $1 AND customer_id = $2
         UNION ALL SELECT 1 FROM credit_balance_transactions WHERE env = $1 AND customer_id = $2
         UNION ALL SELECT 1 FROM invoices WHERE env = $1 AND customer_id = $2 LIMIT 1`,
        [ctx.env, id],
      );
      if (rows.length > 0) {
        throw new LumenError(
          "conflict",
          "A customer's currency cannot change once it has subscriptions, invoices or a credit balance",
        );
      }
    }
    const now = await customerNow(ctx, before);
    const after: Customer = {
      ...before,
      name: parsed.name === undefined ? before.name : parsed.name,
      email: parsed.email === undefined ? before.email : parsed.email,
      currency: parsed.currency ?? before.currency,
      address: parsed.address === undefined ? before.address : (parsed.address as Customer["address"]),
      taxIds: taxIds ?? before.taxIds,
      taxExempt: parsed.taxExempt ?? before.taxExempt,
      metadata: parsed.metadata ?? before.metadata,
      version: before.version + 1,
      updatedAt: now,
    };
    await db(ctx).query(
      `UPDATE customers SET name = $3, email = $4, currency = $5, address = $6, tax_ids = $7, tax_exempt = $8,
         metadata = $9, version = $10, updated_at = $11
       WHERE env = $1 AND id = $2`,
      [
        ctx.env,
        id,
        after.name,
        after.email,
        after.currency,
        after.address ? JSON.stringify(after.address) : null,
        JSON.stringify(after.taxIds),
        after.taxExempt,
        JSON.stringify(after.metadata),
        after.version,
        after.updatedAt,
      ],
    );
    await recordHistory(ctx, {
      customerId: id,
      objectType: "customer",
      objectId: id,
      type: "customer.updated",
      at: now,
      before: serializeCustomer(before),
      after: serializeCustomer(after),
    });
    return serializeCustomer(after);
  });
}
