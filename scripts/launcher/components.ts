import { join, resolve } from "node:path";
import type { LumenConfig } from "@lumen/core";
import { displayHost, loopbackFor } from "./addresses";

export type ComponentName = "billing" | "ingest" | "aggregator" | "sidecar";

export interface Component {
  name: ComponentName;
  /** The TypeScript main the child process runs. */
  entry: string;
  /** Where it listens and which variable sets the port, for the port preflight and messages. */
  listen: { host: string; port: number; variable: string };
  healthUrl: string;
  /** What the summary shows. */
  address: string;
}

/** The four processes `npm start` runs, in start order. */
export function describeComponents(config: LumenConfig, root: string): Component[] {
  const http = (host: string, port: number) => `http://${displayHost(host)}:${port}`;
  const health = (host: string, port: number) => `http://${loopbackFor(host)}:${port}/healthz`;
  return [
    {
      name: "billing",
      entry: join(root, "billing/src/main.ts"),
      listen: { host: config.host, port: config.apiPort, variable: "LUMEN_API_PORT" },
      healthUrl: health(config.host, config.apiPort),
      address: http(config.host, config.apiPort),
    },
    {
      name: "ingest",
      entry: join(root, "ingest/src/main.ts"),
      listen: { host: config.host, port: config.ingestPort, variable: "LUMEN_INGEST_PORT" },
      healthUrl: health(config.host, config.ingestPort),
      address: http(config.host, config.ingestPort),
    },
    {
      name: "aggregator",
      entry: join(root, "aggregator/src/main.ts"),
      listen: { host: "127.0.0.1", port: config.aggregatorPort, variable: "LUMEN_AGGREGATOR_PORT" },
      healthUrl: health("127.0.0.1", config.aggregatorPort),
      address: `no public port (health: ${health("127.0.0.1", config.aggregatorPort)})`,
    },
    {
      name: "sidecar",
      entry: join(root, "sidecar/src/main.ts"),
      listen: { host: config.sidecarHost, port: config.sidecarPort, variable: "LUMEN_SIDECAR_PORT" },
      healthUrl: health(config.sidecarHost, config.sidecarPort),
      address: http(config.sidecarHost, config.sidecarPort),
    },
  ];
}

/**
 * The children's environment: the launcher's own, with every setting written out so that
 * all four read the same values (the data directory made absolute).
 */
export function childEnvironment(config: LumenConfig, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return {
    ...env,
    LUMEN_HOST: config.host,
    LUMEN_API_PORT: String(config.apiPort),
    LUMEN_INGEST_PORT: String(config.ingestPort),
    LUMEN_SIDECAR_HOST: config.sidecarHost,
    LUMEN_SIDECAR_PORT: String(config.sidecarPort),
    LUMEN_AGGREGATOR_PORT: String(config.aggregatorPort),
    NATS_URL: config.natsUrl,
    DATABASE_URL: config.databaseUrl,
    CLICKHOUSE_URL: config.clickhouseUrl ?? "",
    LUMEN_DATA_DIR: resolve(config.dataDir),
    LUMEN_NATS_PREFIX: config.natsPrefix,
    LUMEN_LOG_LEVEL: config.logLevel,
  };
}
