import { type Clock, LumenError } from "@lumen/core";
import type { EngineContext, Env } from "../context";
import type { Pool } from "../db/pool";
import { enqueueOutbox } from "../definitions/enqueue-outbox";
import type { PaymentProvider } from "../payments/payment-provider";
import type { PipelineClient } from "../pipeline/pipeline-client";
import type { TaxServices } from "../tax/tax-services";

export interface Job {
  id: number;
  env: Env;
  key: string;
  type: string;
  runAt: Date;
  clockId: string | null;
  payload: Record<string, unknown>;
  attempts: number;
}

/** Failures that pass by themselves: the pipeline did not answer, or a concurrent change won a race. */
function isPassingFailure(error: unknown): boolean {
  return error instanceof LumenError && (error.code === "unavailable" || error.code === "conflict");
}

export type JobHandler = (ctx: EngineContext, job: Job) => Promise<void>;

const MAX_ATTEMPTS = 5;

interface JobRow {
  id: number;
  env: Env;
  key: string;
  type: string;
  run_at: Date;
  clock_id: string | null;
  payload: Record<string, unknown>;
  attempts: number;
}

/** How many jobs of one instant run at once, each in its own transaction on its own connection. */
export const JOB_CONCURRENCY = 6;

/**
 * Runs due jobs in run_at order, instant by instant: the jobs due at the same instant (a month's renewals) run
 * `concurrency` at a time, each in its own transaction with its row locked (FOR UPDATE SKIP LOCKED: concurrent
 * workers and processes never run the same job), and an instant starts only once every job of the previous one has
 * run. Jobs of a test clock run only when that clock advances; before each instant the clock's frozen time moves
 * there. Answers the number of jobs run.
 */
export async function runDueJobs({
  pool,
  clock,
  handlers,
  clockId,
  env,
  until,
  limit = Number.POSITIVE_INFINITY,
  stopOnFailure = false,
  pipeline,
  tax,
  payments,
  concurrency = JOB_CONCURRENCY,
}: {
  pool: Pool;
  /** The metering pipeline: period closes read usage through it. */
  pipeline?: PipelineClient;
  /** A tax provider replacing the built-in rules at finalization. */
  tax?: TaxServices;
  /** The payment provider that charges finalized invoices. */
  payments?: PaymentProvider;
  clock: Clock;
  handlers: Record<string, JobHandler>;
  clockId: string | null;
  env?: Env;
  until: Date;
  limit?: number;
  /** Stop at a job that failed for good (a test clock must not run later work past it). */
  stopOnFailure?: boolean;
  concurrency?: number;
}): Promise<{ ran: number; failed: { key: string; error: string }[] }> {
  const state = { ran: 0, stop: false, failed: [] as { key: string; error: string }[] };
  // `clock_id = $n`, not IS NOT DISTINCT FROM, which no index on clock_id serves.
  const scope = (first: number) =>
    `status = 'pending' AND ($${first}::text IS NULL OR env = $${first}) AND ${
      clockId === null ? "clock_id IS NULL" : `clock_id = $${first + 1}`
    }`;
  const scopeValues = clockId === null ? [env ?? null] : [env ?? null, clockId];
  while (state.ran < limit && !state.stop) {
    const { rows } = await pool.query<{ instant: Date | null; env: Env | null }>(
      `SELECT min(run_at) AS instant, min(env) AS env FROM jobs WHERE run_at <= $1 AND ${scope(2)}`,
      [until, ...scopeValues],
    );
    const instant = rows[0]?.instant;
    if (!instant) break;
    if (clockId !== null) await moveClock(pool, clock, rows[0]?.env ?? env ?? "test", clockId, instant);
    const worker = async () => {
      while (state.ran < limit && !state.stop) {
        const more = await runOneJob({
          pool,
          clock,
          handlers,
          pipeline,
          tax,
          payments,
          state,
          stopOnFailure,
          pick: {
            sql: `SELECT id, env, key, type, run_at, clock_id, payload, attempts FROM jobs
                  WHERE run_at = $1 AND ${scope(2)} ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
            values: [instant, ...scopeValues],
          },
        });
        if (!more) return;
      }
    };
    // Leave the pool connections for the caller (an advance holds one) and for a failure's bookkeeping.
    const workers = Math.max(1, Math.min(concurrency, (pool.options.max ?? 10) - 2));
    await Promise.all(Array.from({ length: workers }, worker));
  }
  return { ran: state.ran, failed: state.failed };
}

/** Moves a test clock to the instant its due work runs at (committed first: the jobs of the instant read it). */
async function moveClock(pool: Pool, clock: Clock, env: Env, clockId: string, instant: Date): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const { rowCount } = await client.query(
      "UPDATE test_clocks SET frozen_time = $3 WHERE env = $1 AND id = $2 AND frozen_time < $3",
      [env, clockId, instant],
    );
    if (rowCount) await enqueueOutbox({ pool, tx: client, env, clock, actor: "system" }, "clock", clockId);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** Picks one job with `pick` and runs it in its own transaction; false when none is left to pick. */
async function runOneJob({
  pool,
  clock,
  handlers,
  pipeline,
  tax,
  payments,
  state,
  stopOnFailure,
  pick,
}: {
  pool: Pool;
  clock: Clock;
  handlers: Record<string, JobHandler>;
  pipeline: PipelineClient | undefined;
  tax: TaxServices | undefined;
  payments: PaymentProvider | undefined;
  state: { ran: number; stop: boolean; failed: { key: string; error: string }[] };
  stopOnFailure: boolean;
  pick: { sql: string; values: unknown[] };
}): Promise<boolean> {
  const client = await pool.connect();
  let job: Job | null = null;
  try {
    await client.query("BEGIN");
    const row = (await client.query<JobRow>(pick.sql, pick.values)).rows[0];
    if (!row) {
      await client.query("COMMIT");
      return false;
    }
    job = {
      id: row.id,
      env: row.env,
      key: row.key,
      type: row.type,
      runAt: row.run_at,
      clockId: row.clock_id,
      payload: row.payload,
      attempts: row.attempts,
    };
    const ctx: EngineContext = {
      pool,
      tx: client,
      env: job.env,
      clock,
      actor: "system",
      ...(pipeline ? { pipeline } : {}),
      ...(tax ? { tax } : {}),
      ...(payments ? { payments } : {}),
    };
    const handler = handlers[job.type];
    if (!handler) throw new Error(`no handler for job type ${job.type}`);
    await handler(ctx, job);
    await client.query("UPDATE jobs SET status = 'done', attempts = attempts + 1, done_at = now() WHERE id = $1", [
      job.id,
    ]);
    await client.query("COMMIT");
    state.ran++;
    return true;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    if (!job) throw error;
    const message = String(error instanceof Error ? error.stack : error);
    // A job that met an outage of the pipeline or a lost race (`unavailable`, `conflict`) runs again without using
    // up its attempts: a period must close however long the outage lasts. A real-time job backs off (capped at a
    // minute); a test clock's job stays pending and the run stops there, so the advance answers the failure and
    // a later advance picks it up (never a spin, never a period skipped).
    const passing = isPassingFailure(error);
    const { rows } = await pool.query<{ status: string; clock_id: string | null }>(
      `UPDATE jobs SET attempts = attempts + CASE WHEN $4 THEN 0 ELSE 1 END, last_error = $2,
         status = CASE WHEN NOT $4 AND attempts + 1 >= $3 THEN 'failed' ELSE 'pending' END,
         run_at = CASE WHEN clock_id IS NULL THEN now() + make_interval(secs => LEAST(60, power(2, attempts + 1)))
                  ELSE run_at END
       WHERE id = $1 RETURNING status, clock_id`,
      [job.id, message, MAX_ATTEMPTS, passing],
    );
    const stuck = passing && rows[0]?.clock_id != null;
    // Another worker may have picked the job again between the rollback and this bookkeeping: report it once.
    if ((rows[0]?.status === "failed" || stuck) && !state.failed.some((failure) => failure.key === job?.key)) {
      state.failed.push({ key: job.key, error: message.split("\n")[0] ?? message });
    }
    if ((rows[0]?.status === "failed" && stopOnFailure) || stuck) state.stop = true;
    // A job of a test clock that failed and is still pending is picked again at once (up to its attempts).
    return !state.stop;
  } finally {
    client.release();
  }
}
