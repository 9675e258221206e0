import { notFound } from "@lumen/core";
import { db, type EngineContext } from "../context";
import type { CustomerDetails } from "../invoices/invoice-view";
import type { TaxId } from "../tax/tax-id";

export interface CustomerRow {
  id: string;
  name: string | null;
  email: string | null;
  currency: string | null;
  address: Record<string, string | null> | null;
  tax_ids: TaxId[];
  tax_exempt: "none" | "exempt" | "reverse";
  test_clock_id: string | null;
  metadata: Record<string, string>;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export interface Customer {
  id: string;
  name: string | null;
  email: string | null;
  currency: string | null;
  address: Record<string, string | null> | null;
  taxIds: TaxId[];
  taxExempt: "none" | "exempt" | "reverse";
  testClock: string | null;
  testClockId: string | null;
  metadata: Record<string, string>;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export function toCustomer(row: CustomerRow): Customer {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    currency: row.currency,
    address: row.address,
    taxIds: row.tax_ids,
    taxExempt: row.tax_exempt,
    testClock: row.test_clock_id,
    testClockId: row.test_clock_id,
    metadata: row.metadata,
    version: row.version,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The API shape: the internal `testClockId` alias is not part of it. */
export function serializeCustomer(customer: Customer) {
  const { testClockId: _internal, ...rest } = customer;
  return rest;
}

/** What an invoice keeps of its customer: the document's "Bill to" and what its tax was decided on. */
export function toCustomerDetails(customer: Customer): CustomerDetails {
  return {
    id: customer.id,
    name: customer.name,
    email: customer.email,
    address: customer.address,
    taxIds: customer.taxIds,
    taxExempt: customer.taxExempt,
  };
}

/** Loads a live (not deleted) customer of the context's environment, optionally locking it. */
export async function loadCustomer(
  ctx: EngineContext,
  id: string,
  { forUpdate = false }: { forUpdate?: boolean } = {},
): Promise<Customer> {
  const { rows } = await db(ctx).query<CustomerRow>(
    `SELECT * FROM customers WHERE env = $1 AND id = $2 AND deleted_at IS NULL${forUpdate ? " FOR UPDATE" : ""}`,
    [ctx.env, id],
  );
  const row = rows[0];
  if (!row) throw notFound("customer", id);
  return toCustomer(row);
}
