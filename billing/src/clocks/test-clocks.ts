import { isoDateTime, LumenError, newId, notFound } from "@lumen/core";
import { z } from "zod";
import { db, type EngineContext } from "../context";
import { enqueueOutbox } from "../definitions/enqueue-outbox";
import { type ListQuery, listQuery, toListResult } from "../http/list-query";
import { type JobHandler, runDueJobs } from "../jobs/run-due-jobs";

export const createTestClockInput = z.strictObject({
  frozenTime: isoDateTime,
  name: z.string().max(200).optional(),
});
export const advanceTestClockInput = z.strictObject({ frozenTime: isoDateTime });

interface TestClockRow {
  id: string;
  name: string | null;
  frozen_time: Date;
  created_at: Date;
}

function serializeClock(row: TestClockRow) {
  return { id: row.id, name: row.name, frozenTime: row.frozen_time, status: "ready", createdAt: row.created_at };
}

/** Test clocks exist only in the test environment (PRODUCT §12). */
function requireTestEnvironment(ctx: EngineContext): void {
  if (ctx.env !== "test") throw new LumenError("forbidden", "Test clocks are available with test keys only");
}

export async function createTestClock({ ctx, input }: { ctx: EngineContext; input: unknown }) {
  requireTestEnvironment(ctx);
  const parsed = createTestClockInput.parse(input);
  const { rows } = await db(ctx).query<TestClockRow>(
    "INSERT INTO test_clocks (env, id, name, frozen_time, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING *",
    [ctx.env, newId("clk"), parsed.name ?? null, parsed.frozenTime, ctx.clock.now()],
  );
  const clock = rows[0]!;
  // The clocks bucket carries its time to sidecars and owners once this commits.
  await enqueueOutbox(ctx, "clock", clock.id);
  return serializeClock(clock);
}

async function loadClock(ctx: EngineContext, id: string): Promise<TestClockRow> {
  requireTestEnvironment(ctx);
  const { rows } = await db(ctx).query<TestClockRow>(
    "SELECT * FROM test_clocks WHERE env = $1 AND id = $2 AND deleted_at IS NULL",
    [ctx.env, id],
  );
  const row = rows[0];
  if (!row) throw notFound("test clock", id);
  return row;
}

export async function getTestClock({ ctx, id }: { ctx: EngineContext; id: string }) {
  return serializeClock(await loadClock(ctx, id));
}

export async function listTestClocks({ ctx, query }: { ctx: EngineContext; query: ListQuery | unknown }) {
  requireTestEnvironment(ctx);
  const { limit, startingAfter } = listQuery.parse(query ?? {});
  const { rows } = await db(ctx).query<TestClockRow>(
    `SELECT * FROM test_clocks WHERE env = $1 AND deleted_at IS NULL AND ($2::text IS NULL OR id > $2)
     ORDER BY id LIMIT $3`,
    [ctx.env, startingAfter ?? null, limit + 1],
  );
  return toListResult(rows, limit, serializeClock);
}

export async function deleteTestClock({ ctx, id }: { ctx: EngineContext; id: string }) {
  await loadClock(ctx, id);
  const { rows: customers } = await db(ctx).query(
    "SELECT 1 FROM customers WHERE env = $1 AND test_clock_id = $2 AND deleted_at IS NULL LIMIT 1",
    [ctx.env, id],
  );
  if (customers.length > 0) {
    throw new LumenError("conflict", `Test clock '${id}' still has customers; delete them first`);
  }
  await db(ctx).query("UPDATE test_clocks SET deleted_at = $3 WHERE env = $1 AND id = $2", [
    ctx.env,
    id,
    ctx.clock.now(),
  ]);
  await enqueueOutbox(ctx, "clock", id);
  return { id, deleted: true };
}

/**
 * `POST /v1/test-clocks/:id/advance`: moves the clock forward and answers once every piece of due work of
 * its customers has run, in time order (renewals, trial ends, …). Concurrent advances of one clock queue.
 */
export async function advanceTestClock({
  ctx,
  id,
  input,
  handlers,
}: {
  ctx: EngineContext;
  id: string;
  input: unknown;
  handlers: Record<string, JobHandler>;
}) {
  const parsed = advanceTestClockInput.parse(input);
  const lock = await ctx.pool.connect();
  try {
    await lock.query("SELECT pg_advisory_lock(hashtext($1))", [`lumen.clock.${id}`]);
    const clock = await loadClock(ctx, id);
    if (parsed.frozenTime.getTime() < clock.frozen_time.getTime()) {
      throw new LumenError("validation_error", "A test clock only moves forward", [
        { path: "frozenTime", message: `must not be before ${clock.frozen_time.toISOString()}` },
      ]);
    }
    const { ran, failed } = await runDueJobs({
      pool: ctx.pool,
      clock: ctx.clock,
      handlers,
      clockId: id,
      env: ctx.env,
      until: parsed.frozenTime,
      stopOnFailure: true,
      ...(ctx.pipeline ? { pipeline: ctx.pipeline } : {}),
      ...(ctx.tax ? { tax: ctx.tax } : {}),
      ...(ctx.payments ? { payments: ctx.payments } : {}),
    });
    const first = failed[0];
    if (first) {
      // The clock stays where the failed work left it; nothing after it has run.
      throw new LumenError("internal", `Due work '${first.key}' failed and the clock stopped there: ${first.error}`);
    }
    const { rows } = await db(ctx).query<TestClockRow>(
      "UPDATE test_clocks SET frozen_time = $3 WHERE env = $1 AND id = $2 RETURNING *",
      [ctx.env, id, parsed.frozenTime],
    );
    // Pushed after commit and before the answer (the outbox publisher runs in between): whoever reads the
    // clocks bucket once the advance answered sees the new time.
    await enqueueOutbox(ctx, "clock", id);
    return { ...serializeClock(rows[0]!), jobsRun: ran };
  } finally {
    await lock.query("SELECT pg_advisory_unlock(hashtext($1))", [`lumen.clock.${id}`]).catch(() => {});
    lock.release();
  }
}
