import { pipelineNames, readConfig, systemClock } from "@lumen/core";
import { connectJetStream, createEventPublisher, ensureEventsStream, stopOnSignals } from "@lumen/core/runtime";
import pg from "pg";
import { pino } from "pino";
import { startIngest } from "./app";
import { createIngestContext } from "./context";
import { createIngestMetrics } from "./metrics";

const logger = pino({ name: "ingest" });

try {
  const config = readConfig();
  logger.level = config.logLevel;
  const nats = await connectJetStream({ url: config.natsUrl, name: "lumen-ingest" });
  logger.info({ server: nats.getServer() }, "connected to NATS (JetStream)");
  const names = pipelineNames(config.natsPrefix);
  await ensureEventsStream(await nats.jetstreamManager(), names, config.partitions);

  // Keys and test clocks live in the billing database; ingest only reads them.
  const db = new pg.Pool({ connectionString: config.databaseUrl, max: 10 });
  db.on("error", (error) => logger.warn({ err: error }, "idle PostgreSQL connection failed"));

  const metrics = createIngestMetrics({ processMetrics: true });
  const publisher = createEventPublisher({
    js: nats.jetstream(),
    names,
    partitions: config.partitions,
    maxMessageBytes: nats.info?.max_payload,
    observer: metrics.publishObserver,
  });
  metrics.readQueueDepth(() => publisher.queuedEvents);
  const ctx = createIngestContext({ db, publisher, clock: systemClock, metrics, logger });
  const server = await startIngest({ ctx, host: config.host, port: config.ingestPort });
  logger.info({ host: config.host, port: server.port, partitions: config.partitions }, "ingest listening");

  const lifecycle = stopOnSignals({
    logger,
    stop: async () => {
      server.close();
      await publisher.close();
      await nats.drain();
      await db.end();
    },
  });
  nats.closed().then((error) => {
    if (lifecycle.stopping) return;
    logger.fatal({ err: error }, "NATS connection closed");
    process.exit(1);
  });
} catch (error) {
  logger.fatal({ err: error }, "ingest failed to start");
  process.exit(1);
}
