import { db, type EngineContext } from "../context";

export interface JobInput {
  /** Unique per piece of work: scheduling the same work twice is a no-op. */
  key: string;
  type: string;
  runAt: Date;
  /** The test clock of the customer the work belongs to, if any: its advance runs the job. */
  clockId: string | null;
  payload: Record<string, unknown>;
}

export async function scheduleJob(ctx: EngineContext, job: JobInput): Promise<void> {
  await db(ctx).query(
    `INSERT INTO jobs (env, key, type, run_at, clock_id, payload) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (key) DO NOTHING`,
    [ctx.env, job.key, job.type, job.runAt, job.clockId, JSON.stringify(job.payload)],
  );
}
