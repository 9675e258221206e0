// One aggregator in a process of its own, with the tests' short leases: what a kill -9 test kills. Configured by
// NATS_URL, LUMEN_NATS_PREFIX, LUMEN_PARTITIONS, LUMEN_DATA_DIR (embedded ClickHouse) and LUMEN_TEST_FLUSH_LINGER_MS.
import { pipelineNames } from "@lumen/core";
import { connectJetStream } from "@lumen/core/runtime";
import { pino } from "pino";
import { startAggregator } from "../aggregator";
import { openClickHouse } from "../clickhouse";
import { FAST_OWNERSHIP } from "./harness";

const env = process.env;
const nats = await connectJetStream({ url: env.NATS_URL ?? "nats://127.0.0.1:4222", name: "lumen-test-aggregator" });
const clickhouse = openClickHouse({ url: undefined, dataDir: env.LUMEN_DATA_DIR ?? "./.lumen-test" });
const aggregator = await startAggregator({
  nats,
  clickhouse,
  names: pipelineNames(env.LUMEN_NATS_PREFIX ?? "lumen"),
  partitions: Number(env.LUMEN_PARTITIONS ?? 4),
  logger: pino({ level: env.LUMEN_TEST_LOG ?? "warn" }),
  ownership: FAST_OWNERSHIP,
  flush: { lingerMs: Number(env.LUMEN_TEST_FLUSH_LINGER_MS ?? 10) },
});
process.stdout.write(`ready ${aggregator.id}\n`);
process.once("SIGTERM", () => {
  void aggregator
    .stop()
    .then(() => nats.drain())
    .then(() => clickhouse.close())
    .finally(() => process.exit(0));
});
