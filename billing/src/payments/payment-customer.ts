import { db, type EngineContext } from "../context";
import type { Customer } from "../customers/customer-record";
import type { PaymentProvider } from "./payment-provider";

/** A customer at the payment provider, with the payment method its checkout saved (null until then). */
export interface PaymentCustomer {
  providerCustomerId: string;
  paymentMethod: string | null;
}

export async function loadPaymentCustomer(
  ctx: EngineContext,
  customerId: string,
  provider: PaymentProvider["name"],
): Promise<PaymentCustomer | null> {
  const { rows } = await db(ctx).query<{ provider_customer_id: string; payment_method: string | null }>(
    "SELECT provider_customer_id, payment_method FROM payment_customers WHERE env = $1 AND customer_id = $2 AND provider = $3",
    [ctx.env, customerId, provider],
  );
  const row = rows[0];
  return row ? { providerCustomerId: row.provider_customer_id, paymentMethod: row.payment_method } : null;
}

/**
 * The customer's counterpart at the provider, made on first need. Its idempotency key is the customer's, so a
 * retry after a crash finds the same provider customer instead of making a second.
 */
export async function ensurePaymentCustomer(
  ctx: EngineContext,
  provider: PaymentProvider,
  customer: Customer,
): Promise<PaymentCustomer> {
  const known = await loadPaymentCustomer(ctx, customer.id, provider.name);
  if (known) return known;
  const created = await provider.createCustomer({
    name: customer.name,
    email: customer.email,
    metadata: { lumen_env: ctx.env, lumen_customer: customer.id },
    idempotencyKey: `lumen-${ctx.env}-customer-${customer.id}`,
  });
  const now = ctx.clock.now();
  await db(ctx).query(
    `INSERT INTO payment_customers (env, customer_id, provider, provider_customer_id, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $5) ON CONFLICT DO NOTHING`,
    [ctx.env, customer.id, provider.name, created.id, now],
  );
  return (await loadPaymentCustomer(ctx, customer.id, provider.name))!;
}

/** Records the payment method a checkout saved: later invoices are charged to it. */
export async function savePaymentMethod(
  ctx: EngineContext,
  {
    customerId,
    provider,
    paymentMethod,
  }: { customerId: string; provider: PaymentProvider["name"]; paymentMethod: string },
): Promise<void> {
  await db(ctx).query(
    `UPDATE payment_customers SET payment_method = $4, updated_at = $5
     WHERE env = $1 AND customer_id = $2 AND provider = $3`,
    [ctx.env, customerId, provider, paymentMethod, ctx.clock.now()],
  );
}
