import { pipelineNames, readConfig } from "@lumen/core";
import { connectJetStream, ensureEventsStream, stopOnSignals } from "@lumen/core/runtime";
import { pino } from "pino";
import { startAggregator } from "./aggregator";
import { openClickHouse } from "./clickhouse";
import { startHealthServer } from "./health";

// The health port is for local supervisors only (the launcher, a container healthcheck).
const HEALTH_HOST = "127.0.0.1";

const logger = pino({ name: "aggregator" });

try {
  const config = readConfig();
  logger.level = config.logLevel;
  const nats = await connectJetStream({ url: config.natsUrl, name: "lumen-aggregator" });
  logger.info({ server: nats.getServer() }, "connected to NATS (JetStream)");
  const names = pipelineNames(config.natsPrefix);
  await ensureEventsStream(await nats.jetstreamManager(), names, config.partitions);
  const clickhouse = openClickHouse({ url: config.clickhouseUrl, dataDir: config.dataDir });
  await clickhouse.query("SELECT 1");
  logger.info({ driver: clickhouse.driver }, "connected to ClickHouse");
  const aggregator = await startAggregator({ nats, clickhouse, names, partitions: config.partitions, logger });
  logger.info({ id: aggregator.id, partitions: config.partitions }, "aggregator started");
  const health = await startHealthServer({
    host: HEALTH_HOST,
    port: config.aggregatorPort,
    metrics: async () => ({
      contentType: aggregator.metrics.registry.contentType,
      body: await aggregator.metrics.registry.metrics(),
    }),
  });
  logger.info({ host: HEALTH_HOST, port: health.port }, "aggregator health listening");

  const lifecycle = stopOnSignals({
    logger,
    stop: async () => {
      await health.close();
      await aggregator.stop();
      await nats.drain();
      await clickhouse.close();
    },
  });
  nats.closed().then((error) => {
    if (lifecycle.stopping) return;
    logger.fatal({ err: error }, "NATS connection closed");
    process.exit(1);
  });
} catch (error) {
  logger.fatal({ err: error }, "aggregator failed to start");
  process.exit(1);
}
