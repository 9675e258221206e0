/**
 * Strict consume through the owner (issue 3): four sidecars send consumes for 1,000 customers to one aggregator
 * process (embedded ClickHouse), which decides each on its in-memory counter and makes it durable in the stream
 * before answering. The sidecars run in this process and are driven directly (no HTTP), `inFlight` consumes at once.
 *   npx tsx bench/consume-load.ts [seconds, default 5]
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { customerKey, decodeMessage, encodeMessage, partitionOf, pipelineNames, QUERY_OPERATIONS } from "@lumen/core";
import { connectJetStream, deleteEventsStream, deletePipelineBuckets, ensureEventsStream } from "@lumen/core/runtime";
import { aCustomerDefinition, anEntitlement } from "@lumen/core/testing";
import { createSidecar, type RunningSidecar } from "@lumen/sidecar";
import type { NatsConnection } from "nats";
import { pino } from "pino";

const PARTITIONS = 16;

export interface ConsumeLoadResult {
  sidecars: number;
  inFlight: number;
  consumesPerSecond: number;
  allowed: number;
  statuses: Record<string, number>;
  latencyMs: { p50: number; p99: number };
}

export async function measureConsumes({
  seconds = 5,
  sidecarCount = 4,
  inFlight = 64,
  natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222",
}: {
  seconds?: number;
  sidecarCount?: number;
  inFlight?: number;
  natsUrl?: string;
} = {}): Promise<ConsumeLoadResult> {
  const prefix = `benchconsume${randomBytes(4).toString("hex")}`;
  const names = pipelineNames(prefix);
  const logger = pino({ level: "warn" });
  const connections: NatsConnection[] = [];
  const connect = async (name: string) => {
    const connection = await connectJetStream({ url: natsUrl, name });
    connections.push(connection);
    return connection;
  };
  const nats = await connect("bench-consume");
  const jsm = await nats.jetstreamManager();
  await ensureEventsStream(jsm, names, PARTITIONS);
  const customers = Array.from({ length: 1_000 }, (_, index) => `customer-${index}`);
  const definitions = await nats.jetstream().views.kv(names.buckets.definitions, { history: 1 });
  for (const customer of customers) {
    const definition = aCustomerDefinition({ customer, features: { exports: anEntitlement({ included: 1e12 }) } });
    await definitions.put(customerKey("test", customer), encodeMessage(definition));
  }
  const dataDir = mkdtempSync(join(tmpdir(), "lumen-consume-bench-"));
  const root = fileURLToPath(new URL("..", import.meta.url));
  const profile = process.env.BENCH_PROFILE_DIR
    ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
    : [];
  const aggregator: ChildProcess = spawn(
    process.execPath,
    [...profile, "--import", "tsx", `${root}aggregator/src/main.ts`],
    {
      cwd: root,
      env: {
        ...process.env,
        NATS_URL: natsUrl,
        LUMEN_NATS_PREFIX: prefix,
        LUMEN_PARTITIONS: String(PARTITIONS),
        LUMEN_DATA_DIR: dataDir,
        LUMEN_AGGREGATOR_PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
        LUMEN_LOG_LEVEL: "warn",
        CLICKHOUSE_URL: "",
      },
      stdio: ["ignore", "inherit", "inherit"],
    },
  );
  const sidecars: RunningSidecar[] = [];
  try {
    for (let index = 0; index < sidecarCount; index++) {
      const connection = await connect(`bench-consume-sidecar-${index}`);
      sidecars.push(await createSidecar({ nats: connection, names, partitions: PARTITIONS, env: "test", logger }));
    }
    await waitForOwners(nats, names, customers);
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    let allowed = 0;
    const run = async (until: number, record: boolean) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: inFlight }, async (_, lane) => {
          while (performance.now() < until) {
            const index = next++;
            const sidecar = sidecars[(index + lane) % sidecars.length]!;
            const at = performance.now();
            const answer = await sidecar.sidecar.handle({
              method: "POST",
              path: "/v1/consume",
              body: { customer: customers[index % customers.length]!, feature: "exports" },
            });
            if (!record) continue;
            latencies.push(performance.now() - at);
            statuses[answer.status] = (statuses[answer.status] ?? 0) + 1;
            if ((answer.body as { allowed?: boolean }).allowed) allowed++;
          }
        }),
      );
    };
    await run(performance.now() + 1_000, false);
    const started = performance.now();
    await run(started + seconds * 1000, true);
    const elapsed = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (q: number) => Math.round((latencies[Math.floor(q * (latencies.length - 1))] ?? 0) * 100) / 100;
    return {
      sidecars: sidecarCount,
      inFlight,
      consumesPerSecond: Math.round(latencies.length / elapsed),
      allowed,
      statuses,
      latencyMs: { p50: at(0.5), p99: at(0.99) },
    };
  } finally {
    for (const sidecar of sidecars) await sidecar.close();
    const exited = new Promise((resolve) => aggregator.once("exit", resolve));
    if (aggregator.exitCode === null) aggregator.kill("SIGTERM");
    await exited;
    await deleteEventsStream(jsm, names);
    await deletePipelineBuckets(jsm, names);
    for (const connection of connections) await connection.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Until the aggregator owns every partition and answers its owner requests. */
async function waitForOwners(nats: NatsConnection, names: ReturnType<typeof pipelineNames>, customers: string[]) {
  const partitions = new Map<number, string>();
  for (const customer of customers) partitions.set(partitionOf("test", customer, PARTITIONS), customer);
  const deadline = Date.now() + 60_000;
  for (const [partition, customer] of partitions) {
    for (;;) {
      const request = { env: "test", customer, feature: "exports", entity: null, quantity: 1 };
      const reply = await nats
        .request(names.ownerSubject(partition, QUERY_OPERATIONS.check), encodeMessage(request), { timeout: 1_000 })
        .catch(() => null);
      if (reply && "result" in decodeMessage<object>(reply.data)) break;
      if (Date.now() > deadline) throw new Error(`no owner answers for partition ${partition}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await measureConsumes({ seconds: Number(process.argv[2] ?? 5) }), null, 2));
  process.exit(0);
}
