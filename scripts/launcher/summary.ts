import type { LumenConfig } from "@lumen/core";
import { describeServer } from "./addresses";
import type { Component } from "./components";
import { type BootstrapKeys, maskKey } from "./keys";

/** What `npm start` prints once every component answers /healthz. */
export function formatSummary({
  components,
  config,
  dataDir,
  bootstrapKeys,
}: {
  components: readonly Component[];
  config: LumenConfig;
  /** The absolute data directory. */
  dataDir: string;
  bootstrapKeys: BootstrapKeys | undefined;
}): string {
  const width = Math.max(...components.map((component) => labelOf(component.name).length));
  const lines = [
    "",
    "Lumen is running.",
    "",
    ...components.map((component) => `  ${labelOf(component.name).padEnd(width)}  ${component.address}`),
    "",
    `  NATS         ${describeServer(config.natsUrl, 4222)} (JetStream, prefix "${config.natsPrefix}")`,
    `  PostgreSQL   ${describeServer(config.databaseUrl, 5432)}${databasePath(config.databaseUrl)}`,
    `  ClickHouse   ${config.clickhouseUrl ? describeServer(config.clickhouseUrl, 8123) : `embedded (chDB) in ${dataDir}/clickhouse`}`,
    "",
    ...formatKeys(bootstrapKeys, config.apiKeys),
    "",
    "Press Ctrl-C to stop.",
    "",
  ];
  return lines.join("\n");
}

export function formatKeys(bootstrapKeys: BootstrapKeys | undefined, apiKeys: readonly string[]): string[] {
  const lines: string[] = [];
  if (bootstrapKeys) {
    lines.push(
      "Bootstrap API keys (printed once — save them; set LUMEN_API_KEY to use known keys):",
      `  test  ${bootstrapKeys.test}`,
      `  live  ${bootstrapKeys.live}`,
    );
  }
  if (apiKeys.length > 0) {
    lines.push(`API keys from LUMEN_API_KEY: ${apiKeys.map(maskKey).join(", ")}`);
  }
  if (!bootstrapKeys && apiKeys.length === 0) {
    lines.push(
      "API keys: the bootstrap keys were created and printed on the first start.",
      "Set LUMEN_API_KEY (one key or a comma-separated list of lum_sk_test_…/lum_sk_live_… keys) to register known keys.",
    );
  }
  return lines;
}

function labelOf(name: Component["name"]): string {
  return name === "billing" ? "billing API" : name;
}

function databasePath(databaseUrl: string): string {
  try {
    return decodeURIComponent(new URL(databaseUrl).pathname);
  } catch {
    return "";
  }
}
