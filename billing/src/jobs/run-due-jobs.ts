import { type Clock, LumenError } from "@lumen/core";
import type { EngineContext, Env } from "../context";
import type { Pool } from "../db/pool";
import { enqueueOutbox } from "../definitions/enqueue-outbox";
import type { PipelineClient } from "../pipeline/pipeline-client";

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

/**
 * Runs due jobs one at a time in run_at order, each in its own transaction with its row locked
 * (FOR UPDATE SKIP LOCKED: concurrent workers never run the same job). Jobs of a test clock run only
 * when that clock advances; before each one the clock's frozen time moves to the job's time.
 * Answers the number of jobs run.
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
}: {
  pool: Pool;
  /** The metering pipeline: period closes read usage through it. */
  pipeline?: PipelineClient;
  clock: Clock;
  handlers: Record<string, JobHandler>;
  clockId: string | null;
  env?: Env;
  until: Date;
  limit?: number;
  /** Stop at a job that failed for good (a test clock must not run later work past it). */
  stopOnFailure?: boolean;
}): Promise<{ ran: number; failed: { key: string; error: string }[] }> {
  let ran = 0;
  const failed: { key: string; error: string }[] = [];
  while (ran < limit) {
    const client = await pool.connect();
    let job: Job | null = null;
    try {
      await client.query("BEGIN");
      const { rows } = await client.query<JobRow>(
        `SELECT id, env, key, type, run_at, clock_id, payload, attempts FROM jobs
         WHERE status = 'pending' AND run_at <= $1 AND clock_id IS NOT DISTINCT FROM $2 AND ($3::text IS NULL OR env = $3)
         ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [until, clockId, env ?? null],
      );
      const row = rows[0];
      if (!row) {
        await client.query("COMMIT");
        return { ran, failed };
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
      };
      if (job.clockId) {
        await client.query(
          "UPDATE test_clocks SET frozen_time = GREATEST(frozen_time, $3) WHERE env = $1 AND id = $2",
          [job.env, job.clockId, job.runAt],
        );
        await enqueueOutbox(ctx, "clock", job.clockId);
      }
      const handler = handlers[job.type];
      if (!handler) throw new Error(`no handler for job type ${job.type}`);
      await handler(ctx, job);
      await client.query("UPDATE jobs SET status = 'done', attempts = attempts + 1, done_at = now() WHERE id = $1", [
        job.id,
      ]);
      await client.query("COMMIT");
      ran++;
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
      if (rows[0]?.status === "failed" || stuck) {
        failed.push({ key: job.key, error: message.split("\n")[0] ?? message });
        if (stopOnFailure || stuck) return { ran, failed };
      }
    } finally {
      client.release();
    }
  }
  return { ran, failed };
}
