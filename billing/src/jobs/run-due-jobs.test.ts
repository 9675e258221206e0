import { systemClock } from "@lumen/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../../../test/support/database";
import type { EngineContext } from "../context";
import { type Job, runDueJobs } from "./run-due-jobs";
import { scheduleJob } from "./schedule-job";

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.drop();
});

const ctx = (): EngineContext => ({ pool: database.pool, env: "test", clock: systemClock, actor: "test" });

describe("runDueJobs", () => {
  it("schedules a job once per key", async () => {
    const job = {
      key: "once",
      type: "noop",
      runAt: new Date("2026-01-01T00:00:00Z"),
      clockId: "clk_once",
      payload: {},
    };
    await scheduleJob(ctx(), job);
    await scheduleJob(ctx(), job);
    const { rows } = await database.pool.query("SELECT count(*)::int AS n FROM jobs WHERE key = 'once'");
    expect(rows[0].n).toBe(1);
  });

  it("runs due jobs in time order and never twice, even with concurrent workers", async () => {
    const ran: string[] = [];
    const handler = async (_ctx: EngineContext, job: Job) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      ran.push(job.key);
    };
    for (let i = 20; i > 0; i--) {
      await scheduleJob(ctx(), {
        key: `job-${String(i).padStart(2, "0")}`,
        type: "record",
        runAt: new Date(Date.UTC(2026, 0, i)),
        clockId: "clk_order",
        payload: {},
      });
    }
    const workers = Array.from({ length: 3 }, () =>
      runDueJobs({
        pool: database.pool,
        clock: systemClock,
        handlers: { record: handler },
        clockId: "clk_order",
        until: new Date("2026-01-15T00:00:00Z"),
      }),
    );
    const results = await Promise.all(workers);
    expect(results.reduce((sum, result) => sum + result.ran, 0)).toBe(15);
    expect(new Set(ran).size).toBe(15);
    expect([...ran].sort()).toEqual(Array.from({ length: 15 }, (_, i) => `job-${String(i + 1).padStart(2, "0")}`));
  });

  it("rolls back a failing job and gives up after five attempts", async () => {
    await scheduleJob(ctx(), {
      key: "fails",
      type: "boom",
      runAt: new Date("2026-01-01T00:00:00Z"),
      clockId: "clk_fail",
      payload: {},
    });
    const handler = async (jobCtx: EngineContext) => {
      await jobCtx.tx!.query(
        "INSERT INTO test_clocks (env, id, frozen_time, created_at) VALUES ('test', 'side-effect', now(), now())",
      );
      throw new Error("boom");
    };
    const result = await runDueJobs({
      pool: database.pool,
      clock: systemClock,
      handlers: { boom: handler },
      clockId: "clk_fail",
      until: new Date("2026-02-01T00:00:00Z"),
    });
    expect(result.failed.map((failure) => failure.key)).toEqual(["fails"]);
    const { rows } = await database.pool.query("SELECT status, attempts, last_error FROM jobs WHERE key = 'fails'");
    expect(rows[0]).toMatchObject({ status: "failed", attempts: 5 });
    expect(rows[0].last_error).toContain("boom");
    const sideEffects = await database.pool.query("SELECT 1 FROM test_clocks WHERE id = 'side-effect'");
    expect(sideEffects.rows).toHaveLength(0);
  });
});
