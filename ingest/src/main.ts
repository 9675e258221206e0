import { readConfig } from "@lumen/core";
import { connectJetStream, startHttpServer, stopOnSignals } from "@lumen/core/runtime";
import { pino } from "pino";

const logger = pino({ name: "ingest" });

try {
  const config = readConfig();
  logger.level = config.logLevel;
  const nats = await connectJetStream({ url: config.natsUrl, name: "lumen-ingest" });
  logger.info({ server: nats.getServer() }, "connected to NATS (JetStream)");
  const server = await startHttpServer({ component: "ingest", host: config.host, port: config.ingestPort });
  logger.info({ host: config.host, port: server.port }, "ingest listening");

  const lifecycle = stopOnSignals({
    logger,
    stop: async () => {
      server.close();
      await nats.drain();
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
