import { db, type EngineContext } from "../context";
import { enqueueOutbox } from "../definitions/enqueue-outbox";

export interface HistoryInput {
  customerId: string | null;
  objectType:
    | "plan"
    | "feature"
    | "customer"
    | "entity"
    | "subscription"
    | "test_clock"
    | "grant"
    | "override"
    | "invoice"
    | "credit_note"
    | "discount"
    | "credit_balance"
    | "checkout"
    | "payment"
    | "refund";
  objectId: string;
  /** `subscription.created`, `seat.added`, `plan.version_created`, … */
  type: string;
  at: Date;
  before: unknown;
  after: unknown;
}

/** Appends one version of an object. History is never updated in place (a trigger forbids it). */
export async function recordHistory(ctx: EngineContext, input: HistoryInput): Promise<void> {
  await db(ctx).query(
    `INSERT INTO history (env, customer_id, object_type, object_id, type, actor, at, before, after)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      ctx.env,
      input.customerId,
      input.objectType,
      input.objectId,
      input.type,
      ctx.actor,
      input.at,
      input.before === null ? null : JSON.stringify(input.before),
      input.after === null ? null : JSON.stringify(input.after),
    ],
  );
  // Every change is also a reason to push the customer's definition (or the catalog) again.
  const kind = input.customerId ? "customer" : input.objectType === "feature" ? "catalog" : null;
  if (kind) await enqueueOutbox(ctx, kind, input.customerId ?? ctx.env);
}
