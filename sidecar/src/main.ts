import { readConfig } from "@lumen/core";
import { connectJetStream, startHttpServer, stopOnSignals } from "@lumen/core/runtime";
import { pino } from "pino";

const logger = pino({ name: "sidecar" });

try {
  const config = readConfig();
  logger.level = config.logLevel;
  const nats = await connectJetStream({ url: config.natsUrl, name: "lumen-sidecar" });
  logger.info({ server: nats.getServer() }, "connected to NATS (JetStream)");
  const server = await startHttpServer({ component: "sidecar", host: config.sidecarHost, port: config.sidecarPort });
  logger.info({ host: config.sidecarHost, port: server.port }, "sidecar listening");

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
  logger.fatal({ err: error }, "sidecar failed to start");
  process.exit(1);
}
