import { LumenError } from "@lumen/core";
import { listDefaultPlans } from "../catalog/list-default-plans";
import { db, type EngineContext, withTransaction } from "../context";
import { recordHistory } from "../history/record-history";
import { attachPlan } from "../subscriptions/attach-plan";
import { verifyTaxIds } from "../tax/verify-tax-ids";
import { loadCustomer, serializeCustomer } from "./customer-record";
import { type CreateCustomerInput, createCustomerInput } from "./schemas";

/** `POST /v1/customers`: creates the customer and attaches the default plans (one per group). */
export async function createCustomer({ ctx, input }: { ctx: EngineContext; input: CreateCustomerInput }) {
  const parsed = createCustomerInput.parse(input);
  // Asked before the transaction: a registry's answer can take seconds.
  const taxIds = await verifyTaxIds({ ctx, taxIds: parsed.taxIds ?? [] });
  return withTransaction(ctx, async (ctx) => {
    let now = ctx.clock.now();
    if (parsed.testClock) {
      if (ctx.env !== "test") {
        throw new LumenError("validation_error", "Test clocks exist only in the test environment", [
          { path: "testClock", message: "use a test key" },
        ]);
      }
      const { rows } = await db(ctx).query<{ frozen_time: Date }>(
        "SELECT frozen_time FROM test_clocks WHERE env = $1 AND id = $2 AND deleted_at IS NULL",
        [ctx.env, parsed.testClock],
      );
      const clock = rows[0];
      if (!clock) {
        throw new LumenError("validation_error", `No test clock '${parsed.testClock}'`, [
          { path: "testClock", message: "no such test clock" },
        ]);
      }
      now = clock.frozen_time;
    }
    const inserted = await db(ctx).query(
      `INSERT INTO customers (env, id, name, email, currency, address, tax_ids, tax_exempt, test_clock_id, metadata,
         created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
       ON CONFLICT (env, id) DO NOTHING`,
      [
        ctx.env,
        parsed.id,
        parsed.name ?? null,
        parsed.email ?? null,
        parsed.currency ?? null,
        parsed.address ? JSON.stringify(parsed.address) : null,
        JSON.stringify(taxIds),
        parsed.taxExempt ?? "none",
        parsed.testClock ?? null,
        JSON.stringify(parsed.metadata ?? {}),
        now,
      ],
    );
    if (inserted.rowCount !== 1) throw new LumenError("conflict", `A customer with id '${parsed.id}' already exists`);
    const customer = await loadCustomer(ctx, parsed.id);
    await recordHistory(ctx, {
      customerId: customer.id,
      objectType: "customer",
      objectId: customer.id,
      type: "customer.created",
      at: now,
      before: null,
      after: serializeCustomer(customer),
    });
    // The first default plan fixes the currency of a customer created without one.
    let currency = customer.currency;
    for (const plan of await listDefaultPlans(ctx, customer.currency)) {
      if (currency && plan.currency !== currency) continue;
      await attachPlan({ ctx, input: { customer: customer.id, plan: plan.id } });
      currency = plan.currency;
    }
    return serializeCustomer(await loadCustomer(ctx, customer.id));
  });
}
