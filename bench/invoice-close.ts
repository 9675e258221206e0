/**
 * Period close (issue 4): `subscriptions` customers on one test clock, each with a monthly subscription (a fixed fee
 * and seats billed in advance, optionally a priced per-seat metered feature), then ONE `advance` past the period end
 * and the default grace period (1 h): every period is closed (a draft) and then finalized, two jobs per subscription.
 * The billing API runs in this process on a fresh database, with a fake aggregator answering the period totals.
 * Seeded through the API (injects, a few at a time), so the state is the one the API makes; then VACUUM (ANALYZE), as
 * autovacuum would have done by the period end (the test server runs without autovacuum, and a planner without
 * statistics scans whole tables for indexed lookups).
 * The limit: the same job runner, on a second clock, running a trivial pair of jobs per subscription (one INSERT
 * for the close, one UPDATE for the finalize): what the runner itself allows.
 *   npx tsx bench/invoice-close.ts [subscriptions, default 10000] [usage: "usage" | "fixed", default both]
 */
import { pathToFileURL } from "node:url";
import { advanceTestClock } from "../billing/src/clocks/test-clocks";
import type { Job, JobHandler } from "../billing/src/jobs/run-due-jobs";
import { startTestBilling, type TestBilling } from "../test/support/billing";
import { startFakeAggregator } from "../test/support/fake-aggregator";
import { startTestPipeline } from "../test/support/pipeline";

const PERIOD_START = "2026-03-01T00:00:00.000Z";
const PERIOD_END = "2026-04-01T00:00:00.000Z";
/** The period end plus the default grace period: every draft of the close is finalized by then. */
const AFTER_GRACE = "2026-04-01T01:00:00.000Z";
const TRIVIAL_JOB = "bench.trivial";

export interface InvoiceCloseResult {
  variant: "fixed + seats" | "with usage pricing";
  subscriptions: number;
  seatsPerCustomer: number;
  invoices: number;
  seconds: number;
  invoicesPerSecond: number;
  jobsRun: number;
  /** The billing pool's size: the job runner leaves two connections to the advance and runs on the others. */
  poolConnections: number;
  seedSeconds: number;
  limit: {
    name: string;
    jobs: number;
    seconds: number;
    /** Subscriptions whose two trivial jobs ran per second: the rate comparable to invoices/s. */
    subscriptionsPerSecond: number;
  };
}

export async function measureInvoiceClose({
  subscriptions = 10_000,
  usagePricing = true,
  seatsPerCustomer = 2,
  seedingConcurrency = 8,
}: {
  subscriptions?: number;
  /** The plan also prices a per-seat metered feature: each close and finalize asks the aggregators. */
  usagePricing?: boolean;
  seatsPerCustomer?: number;
  /** Seeding requests in flight (the test database's pool has 5 connections). */
  seedingConcurrency?: number;
} = {}): Promise<InvoiceCloseResult> {
  const pipeline = await startTestPipeline();
  const aggregator = startFakeAggregator(pipeline.nats, pipeline.names);
  const billing = await startTestBilling({ pipeline: pipeline.client });
  try {
    const ok = okOf(billing);
    await seedPlan(ok, usagePricing);
    const clock = await ok("POST", "/v1/test-clocks", { frozenTime: PERIOD_START, name: "bench close" });
    const seeding = performance.now();
    await inParallel(subscriptions, seedingConcurrency, async (index) => {
      const customer = `cus-bench-${index}`;
      await ok("POST", "/v1/customers", { id: customer, name: `Customer ${index}`, testClock: clock.id });
      for (let seat = 0; seat < seatsPerCustomer; seat++) {
        await ok("POST", `/v1/customers/${customer}/entities`, { id: `${customer}-seat-${seat}`, feature: "seats" });
      }
      await ok("POST", "/v1/attach", { customer, plan: "bench-team", trial: false });
    });
    const seedSeconds = (performance.now() - seeding) / 1000;
    await billing.database.pool.query("VACUUM (ANALYZE)");

    const started = performance.now();
    const advanced = await ok("POST", `/v1/test-clocks/${clock.id}/advance`, { frozenTime: AFTER_GRACE });
    const seconds = (performance.now() - started) / 1000;
    const { rows } = await billing.database.pool.query<{ invoices: number; open: number }>(
      `SELECT count(*)::int AS invoices, count(*) FILTER (WHERE status IN ('open', 'paid'))::int AS open
       FROM invoices WHERE env = 'test' AND billing_reason = 'subscription_cycle'`,
    );
    const invoices = rows[0]?.invoices ?? 0;
    if (invoices !== subscriptions || rows[0]?.open !== subscriptions) {
      throw new Error(
        `the advance made ${invoices} period invoices (${rows[0]?.open} final) for ${subscriptions} subscriptions`,
      );
    }
    const limit = await measureTrivialJobs(billing, subscriptions);
    return {
      variant: usagePricing ? "with usage pricing" : "fixed + seats",
      subscriptions,
      seatsPerCustomer,
      invoices,
      seconds: round(seconds),
      invoicesPerSecond: Math.round(invoices / seconds),
      jobsRun: advanced.jobsRun,
      poolConnections: billing.database.pool.options.max ?? 10,
      seedSeconds: round(seedSeconds),
      limit,
    };
  } finally {
    await billing.close();
    aggregator.stop();
    await pipeline.close();
  }
}

async function seedPlan(ok: ReturnType<typeof okOf>, usagePricing: boolean) {
  await ok("POST", "/v1/features", { id: "seats", name: "Seats", type: "gauge" });
  await ok("POST", "/v1/features", { id: "messages", name: "Messages", type: "metered" });
  const items: unknown[] = [
    { type: "fixed", amount: "20.00" },
    { type: "feature", feature: "seats", price: { model: "per_unit", unitAmount: "25.00" } },
  ];
  if (usagePricing) {
    items.push({
      type: "feature",
      feature: "messages",
      included: 100,
      per: "seat",
      price: { model: "per_unit", unitAmount: "0.20" },
    });
  }
  await ok("POST", "/v1/plans", { id: "bench-team", name: "Team", currency: "USD", items });
}

/**
 * The runner's own rate: on a clock of its own, a job at the period end inserting one row and a job after the grace
 * period updating it, per subscription, run by one `advanceTestClock` (the route's verb) like the real ones.
 */
async function measureTrivialJobs(billing: TestBilling, subscriptions: number): Promise<InvoiceCloseResult["limit"]> {
  const pool = billing.database.pool;
  await pool.query("VACUUM (ANALYZE)");
  await pool.query("CREATE TABLE bench_rows (id text PRIMARY KEY, finalized boolean NOT NULL DEFAULT false)");
  const ctx = billing.ctx("test");
  const clock = await okOf(billing)("POST", "/v1/test-clocks", { frozenTime: PERIOD_START, name: "bench floor" });
  await pool.query(
    `INSERT INTO jobs (env, key, type, run_at, clock_id, payload)
     SELECT 'test', 'bench:' || step || ':' || i, $1, $2::timestamptz + (step * interval '1 hour'), $3,
            jsonb_build_object('row', 'row-' || i, 'step', step)
     FROM generate_series(0, $4 - 1) AS i, generate_series(0, 1) AS step`,
    [TRIVIAL_JOB, PERIOD_END, clock.id, subscriptions],
  );
  await pool.query("ANALYZE jobs");
  const trivial: JobHandler = async (jobCtx, job: Job) => {
    const tx = jobCtx.tx!;
    if (job.payload.step === 0) await tx.query("INSERT INTO bench_rows (id) VALUES ($1)", [job.payload.row]);
    else await tx.query("UPDATE bench_rows SET finalized = true WHERE id = $1", [job.payload.row]);
  };
  const started = performance.now();
  const { jobsRun } = await advanceTestClock({
    ctx,
    id: clock.id,
    input: { frozenTime: AFTER_GRACE },
    handlers: { [TRIVIAL_JOB]: trivial },
  });
  const seconds = (performance.now() - started) / 1000;
  const { rows } = await pool.query<{ finalized: number }>(
    "SELECT count(*)::int AS finalized FROM bench_rows WHERE finalized",
  );
  if (rows[0]?.finalized !== subscriptions) throw new Error(`the trivial jobs finalized ${rows[0]?.finalized} rows`);
  return {
    name: "same job runner, a trivial job pair per subscription (1 INSERT, then 1 UPDATE after the grace)",
    jobs: jobsRun,
    seconds: round(seconds),
    subscriptionsPerSecond: Math.round(subscriptions / seconds),
  };
}

type Method = "GET" | "POST" | "PUT";

function okOf(billing: TestBilling) {
  return async (method: Method, url: string, body?: unknown) => {
    const response = await billing.request({ method, url, body });
    if (response.status !== 200) {
      throw new Error(`${method} ${url}: ${response.status} ${JSON.stringify(response.body)}`);
    }
    return response.body;
  };
}

/** Runs `work(0 … count − 1)`, `lanes` at a time. */
async function inParallel(count: number, lanes: number, work: (index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: lanes }, async () => {
      while (next < count) await work(next++);
    }),
  );
}

const round = (value: number) => Math.round(value * 100) / 100;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const subscriptions = Number(process.argv[2] ?? 10_000);
  const variants = process.argv[3] ? [process.argv[3] === "usage"] : [false, true];
  for (const usagePricing of variants) {
    console.log(JSON.stringify(await measureInvoiceClose({ subscriptions, usagePricing }), null, 2));
  }
  process.exit(0);
}
