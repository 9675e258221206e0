import { LumenError, pipelineNames, readConfig, systemClock } from "@lumen/core";
import { connectJetStream } from "@lumen/core/runtime";
import pino from "pino";
import { migrate } from "./db/migrate";
import { createPool } from "./db/pool";
import { openNatsDefinitionStore } from "./definitions/definition-store";
import { publishDefinitions } from "./definitions/publish-definitions";
import { buildApp } from "./http/app";
import { purgeIdempotencyKeys } from "./http/idempotency";
import { jobHandlers } from "./jobs/handlers";
import { runDueJobs } from "./jobs/run-due-jobs";
import { bootstrapKeys } from "./keys/bootstrap";
import { stripeProvider } from "./payments/stripe-provider";
import { openPipelineClient } from "./pipeline/pipeline-client";
import { viesRegistry } from "./tax/tax-id-registry";

const JOB_POLL_MS = 1_000;
const log = pino({ name: "billing", level: process.env.LUMEN_LOG_LEVEL ?? "info" });

async function main(): Promise<void> {
  const config = readConfig();
  const pool = createPool(config.databaseUrl);
  await migrate(pool);
  const keys = await bootstrapKeys(pool, config.apiKeys);
  if (keys.created) {
    log.info({ bootstrapKeys: keys.created }, "bootstrap keys created: they are shown once, save them");
  }
  const nats = await connectJetStream({ url: config.natsUrl, name: "lumen-billing" });
  const names = pipelineNames(config.natsPrefix);
  const definitions = await openNatsDefinitionStore(nats, names);
  const pipeline = await openPipelineClient({ nats, names, partitions: config.partitions });
  const tax = { registry: viesRegistry({ url: config.viesUrl }) };
  const payments = config.stripe
    ? stripeProvider({
        secretKey: config.stripe.secretKey,
        webhookSecret: config.stripe.webhookSecret,
        ...(config.stripe.apiUrl ? { apiUrl: config.stripe.apiUrl } : {}),
      })
    : undefined;
  const app = await buildApp({
    pool,
    clock: systemClock,
    definitions,
    pipeline,
    tax,
    ...(payments ? { payments } : {}),
    ready: async () => (await pool.query("SELECT 1")).rowCount === 1 && !nats.isClosed(),
  });
  await app.listen({ host: config.host, port: config.apiPort });
  log.info({ address: `http://${config.host}:${config.apiPort}` }, "billing API listening");

  let stopping = false;
  let busy = false;
  const worker = setInterval(async () => {
    if (stopping || busy) return;
    busy = true;
    try {
      await runDueJobs({
        pool,
        clock: systemClock,
        handlers: jobHandlers,
        clockId: null,
        until: systemClock.now(),
        pipeline,
        tax,
        ...(payments ? { payments } : {}),
      });
      await publishDefinitions({ pool, clock: systemClock, store: definitions });
    } catch (error) {
      log.error({ err: error }, "background work failed");
    } finally {
      busy = false;
    }
  }, JOB_POLL_MS);
  const purge = setInterval(() => purgeIdempotencyKeys(pool).catch(() => {}), 3_600_000);

  const stop = async () => {
    if (stopping) return;
    stopping = true;
    clearInterval(worker);
    clearInterval(purge);
    await app.close();
    await pipeline.close().catch(() => {});
    await nats.drain().catch(() => {});
    await pool.end();
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((error) => {
  const message = error instanceof LumenError ? error.message : error instanceof Error ? error.message : String(error);
  log.fatal({ err: error }, message);
  process.exit(1);
});
