import { pipelineNames, readConfig } from "@lumen/core";
import { connectJetStream, ensureEventsStream, stopOnSignals } from "@lumen/core/runtime";
import { pino } from "pino";
import { createSidecar } from "./create-sidecar";
import { startSidecarServer } from "./http/server";
import { createSidecarMetrics } from "./metrics";
import { readSidecarSettings } from "./settings";

const logger = pino({ name: "sidecar" });

try {
  const config = readConfig();
  const settings = readSidecarSettings();
  logger.level = config.logLevel;
  // The sidecar keeps following NATS through outages (it answers from its cache meanwhile).
  const nats = await connectJetStream({ url: config.natsUrl, name: "lumen-sidecar" });
  logger.info({ server: nats.getServer() }, "connected to NATS (JetStream)");
  const names = pipelineNames(config.natsPrefix);
  await ensureEventsStream(await nats.jetstreamManager(), names, config.partitions);
  const metrics = createSidecarMetrics({ processMetrics: true });
  const running = await createSidecar({
    nats,
    names,
    partitions: config.partitions,
    env: settings.env,
    cache: settings.cache,
    logger,
    metrics,
  });
  const server = await startSidecarServer({
    sidecar: running.sidecar,
    metrics,
    host: config.sidecarHost,
    port: config.sidecarPort,
    noopRoute: process.env.LUMEN_SIDECAR_BENCH_ROUTES === "1",
  });
  logger.info(
    { host: config.sidecarHost, port: server.port, env: settings.env, cache: settings.cache },
    "sidecar listening",
  );

  const lifecycle = stopOnSignals({
    logger,
    stop: async () => {
      server.close();
      // Flush on shutdown: what was queued reaches the stream before the process goes.
      await running.close();
      await nats.drain();
    },
  });
  nats.closed().then((error) => {
    if (lifecycle.stopping) return;
    logger.fatal({ err: error }, "NATS connection closed");
    process.exit(1);
  });
} catch (error) {
  logger.fatal({ err: error }, "sidecar failed to start");
  process.exit(1);
}
