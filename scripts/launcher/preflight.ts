import type { LumenConfig } from "@lumen/core";
import { checkClickHouse } from "./clickhouse";
import type { Component } from "./components";
import { describeFailure } from "./errors";
import { checkNats } from "./nats";
import { checkPorts } from "./ports";
import { ensureDatabase } from "./postgres";

/**
 * Checks everything `npm start` needs before starting anything. Returns one line per problem
 * (empty when all is well) so that a machine missing two services hears about both at once.
 */
export async function runPreflight(config: LumenConfig, components: readonly Component[]): Promise<string[]> {
  const checks = [
    ensureDatabase(config.databaseUrl),
    checkNats(config.natsUrl),
    config.clickhouseUrl ? checkClickHouse(config.clickhouseUrl) : Promise.resolve(),
    checkPorts(components),
  ];
  const results = await Promise.allSettled(checks);
  return results.flatMap((result) => (result.status === "rejected" ? [describeFailure(result.reason)] : []));
}
