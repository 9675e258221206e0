import { type Clock, fixedClock } from "@lumen/core";
import type { Pool, PoolClient, Queryable } from "./db/pool";
import type { PaymentProvider } from "./payments/payment-provider";
import type { PipelineClient } from "./pipeline/pipeline-client";
import type { TaxServices } from "./tax/tax-services";

export type Env = "test" | "live";

/** What every verb receives: where to read and write, which environment, who acts, and what time it is. */
export interface EngineContext {
  pool: Pool;
  /** Set inside withTransaction; verbs query through `db(ctx)`. */
  tx?: PoolClient;
  env: Env;
  clock: Clock;
  /** The API key id that made the request, or "system" for jobs. */
  actor: string;
  /** The metering pipeline (NATS), when this process is connected to it. */
  pipeline?: PipelineClient;
  /** A tax provider replacing the built-in rules, and the tax id registry (VIES); defaults when absent. */
  tax?: TaxServices;
  /** The payment provider this process can use (Stripe, when it has a key); `manual` needs none. */
  payments?: PaymentProvider;
}

export function db(ctx: EngineContext): Queryable {
  return ctx.tx ?? ctx.pool;
}

/**
 * Runs `fn` in a transaction; reuses the outer one when the context already has it. A transaction happens
 * at one instant: its clock is frozen at the start, so every row it writes carries the same time.
 */
export async function withTransaction<T>(ctx: EngineContext, fn: (ctx: EngineContext) => Promise<T>): Promise<T> {
  if (ctx.tx) return fn(ctx);
  const client = await ctx.pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn({ ...ctx, tx: client, clock: fixedClock(ctx.clock.now()) });
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
