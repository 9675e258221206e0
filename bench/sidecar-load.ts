/**
 * Sidecar figures (issue 3): `check` over localhost HTTP with a warm cache beside a no-op route of the same server,
 * and the memory of a sidecar holding 100,000 customers. A real sidecar process (as `npm start` runs it) on a NATS
 * prefix of its own, its customers' definitions and snapshots put in KV first.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import {
  customerKey,
  encodeMessage,
  type PipelineNames,
  periodOfSchedule,
  pipelineNames,
  type ResetSchedule,
} from "@lumen/core";
import { connectJetStream, deleteEventsStream, deletePipelineBuckets, ensureEventsStream } from "@lumen/core/runtime";
import { aCustomerDefinition, anEntitlement } from "@lumen/core/testing";
import type { NatsConnection } from "nats";
import { rawSender } from "./http-load-clients";

const PARTITIONS = 16;
const monthly: ResetSchedule = { interval: "month", anchor: "2026-01-01T00:00:00.000Z" };

export interface LoopResult {
  requestsPerSecond: number;
  latencyMs: { p50: number; p99: number };
  statuses: Record<string, number>;
}

export interface SidecarLoadResult {
  connections: number;
  check: LoopResult;
  noop: LoopResult;
  ratio: number;
  /** One connection, one check at a time: the localhost round trip without queueing. */
  single: { rate: number; latencyMs: { p50: number; p99: number } };
}

export interface SidecarMemoryResult {
  customers: number;
  rssBeforeMiB: number;
  rssAfterMiB: number;
  cacheCustomers: number;
  cacheMiB: number;
  /** The LRU settings the sidecar ran with. */
  limits: { entries: number; megabytes: number };
}

/** Puts `count` customers (definition + snapshot) in KV, as billing and the owner would. */
export async function seedCustomers(nats: NatsConnection, names: PipelineNames, count: number): Promise<string[]> {
  const js = nats.jetstream();
  const definitions = await js.views.kv(names.buckets.definitions, { history: 1 });
  const balances = await js.views.kv(names.buckets.balances, { history: 1 });
  const { start, end } = periodOfSchedule(monthly, Date.now());
  const customers = Array.from({ length: count }, (_, index) => `customer-${index}`);
  for (let offset = 0; offset < count; offset += 500) {
    await Promise.all(
      customers.slice(offset, offset + 500).flatMap((customer) => [
        definitions.put(
          customerKey("test", customer),
          encodeMessage(
            aCustomerDefinition({
              customer,
              features: {
                messages: anEntitlement({ reset: monthly, included: 1_000 }),
                sso: anEntitlement({ type: "boolean", reset: monthly }),
              },
            }),
          ),
        ),
        balances.put(
          customerKey("test", customer),
          encodeMessage({
            env: "test",
            customer,
            partition: 0,
            seq: 1,
            asOf: Date.now(),
            counters: [{ feature: "messages", entity: null, periodStart: start, periodEnd: end, value: 10 }],
            ledgers: [],
          }),
        ),
      ]),
    );
  }
  return customers;
}

async function withSidecar<T>(
  { cacheEntries, cacheMegabytes }: { cacheEntries: number; cacheMegabytes: number },
  seedCount: number,
  run: (context: { url: string; customers: string[] }) => Promise<T>,
): Promise<T> {
  const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
  const prefix = `bench${randomBytes(4).toString("hex")}`;
  const names = pipelineNames(prefix);
  const nats = await connectJetStream({ url: natsUrl, name: "bench-sidecar-setup" });
  const jsm = await nats.jetstreamManager();
  await ensureEventsStream(jsm, names, PARTITIONS);
  let child: ChildProcess | null = null;
  try {
    const customers = await seedCustomers(nats, names, seedCount);
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const root = fileURLToPath(new URL("..", import.meta.url));
    child = spawn(process.execPath, ["--import", "tsx", `${root}sidecar/src/main.ts`], {
      cwd: root,
      env: {
        ...process.env,
        NATS_URL: natsUrl,
        LUMEN_NATS_PREFIX: prefix,
        LUMEN_PARTITIONS: String(PARTITIONS),
        LUMEN_SIDECAR_PORT: String(port),
        LUMEN_SIDECAR_BENCH_ROUTES: "1",
        LUMEN_SIDECAR_CACHE_ENTRIES: String(cacheEntries),
        LUMEN_SIDECAR_CACHE_MB: String(cacheMegabytes),
        LUMEN_LOG_LEVEL: "warn",
      },
      stdio: ["ignore", "inherit", "inherit"],
    });
    const url = `http://127.0.0.1:${port}`;
    await waitForHealth(url);
    return await run({ url, customers });
  } finally {
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child?.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    await deletePipelineBuckets(jsm, names);
    await deleteEventsStream(jsm, names);
    await nats.drain();
  }
}

/**
 * Closed loops over `connections` keep-alive connections, each sending the next body once answered.
 */
async function loop(url: string, path: string, bodies: Buffer[], connections: number, seconds: number) {
  const sender = rawSender(new URL(url), path, "application/json", "none");
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async (_, index) => {
      const connection = await sender.open();
      try {
        for (let i = index; performance.now() < deadline; i += connections) {
          const at = performance.now();
          const status = await connection.request(bodies[i % bodies.length]!);
          statuses[status] = (statuses[status] ?? 0) + 1;
          latencies.push(performance.now() - at);
        }
      } finally {
        connection.close();
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  return { requests: latencies.length, elapsed, latencies, statuses };
}

/** `POST /v1/check` of 1,000 warm customers against `POST /bench/noop` with the same bodies, 50 connections. */
export async function measureSidecarChecks({
  seconds,
  connections = 50,
}: {
  seconds: number;
  connections?: number;
}): Promise<SidecarLoadResult> {
  return withSidecar({ cacheEntries: 100_000, cacheMegabytes: 256 }, 1_000, async ({ url, customers }) => {
    const bodies = customers.map((customer) =>
      Buffer.from(JSON.stringify({ customer, feature: "messages", quantity: 1 })),
    );
    // Warm: every customer cached, the JIT hot.
    await loop(url, "/v1/check", bodies, connections, 1);
    await loop(url, "/bench/noop", bodies, connections, 1);
    // Alternating one-second rounds, so that drift of the machine's load weighs on both routes alike.
    const rounds = { check: [] as Loop[], noop: [] as Loop[] };
    for (let round = 0; round < seconds; round++) {
      rounds.noop.push(await loop(url, "/bench/noop", bodies, connections, 1));
      rounds.check.push(await loop(url, "/v1/check", bodies, connections, 1));
    }
    const check = combine(rounds.check);
    const noop = combine(rounds.noop);
    const single = combine([await loop(url, "/v1/check", bodies, 1, Math.max(2, Math.round(seconds / 2)))]);
    return {
      connections,
      check,
      noop,
      ratio: check.requestsPerSecond / noop.requestsPerSecond,
      single: { rate: single.requestsPerSecond, latencyMs: single.latencyMs },
    };
  });
}

/** RSS of a sidecar before and after caching `customers` customers (each checked once). */
export async function measureSidecarMemory({ customers: count }: { customers: number }): Promise<SidecarMemoryResult> {
  const limits = { entries: count, megabytes: 1024 };
  return withSidecar(
    { cacheEntries: limits.entries, cacheMegabytes: limits.megabytes },
    count,
    async ({ url, customers }) => {
      const before = await readMetrics(url);
      const bodies = customers.map((customer) => Buffer.from(JSON.stringify({ customer, feature: "messages" })));
      const sender = rawSender(new URL(url), "/v1/check", "application/json", "none");
      await Promise.all(
        Array.from({ length: 32 }, async (_, index) => {
          const connection = await sender.open();
          for (let i = index; i < bodies.length; i += 32) await connection.request(bodies[i]!);
          connection.close();
        }),
      );
      const after = await readMetrics(url);
      return {
        customers: count,
        rssBeforeMiB: Math.round(before.process_resident_memory_bytes! / 2 ** 20),
        rssAfterMiB: Math.round(after.process_resident_memory_bytes! / 2 ** 20),
        cacheCustomers: after.lumen_sidecar_cache_customers ?? 0,
        cacheMiB: Math.round(((after.lumen_sidecar_cache_bytes ?? 0) / 2 ** 20) * 10) / 10,
        limits,
      };
    },
  );
}

interface Loop {
  requests: number;
  elapsed: number;
  latencies: number[];
  statuses: Record<string, number>;
}

function combine(loops: Loop[]): LoopResult {
  const latencies = loops.flatMap((run) => run.latencies).sort((a, b) => a - b);
  const elapsed = loops.reduce((sum, run) => sum + run.elapsed, 0);
  const statuses: Record<string, number> = {};
  for (const run of loops) {
    for (const [status, count] of Object.entries(run.statuses)) statuses[status] = (statuses[status] ?? 0) + count;
  }
  const at = (q: number) => Math.round((latencies[Math.floor(q * (latencies.length - 1))] ?? 0) * 1000) / 1000;
  return {
    requestsPerSecond: Math.round(latencies.length / elapsed),
    latencyMs: { p50: at(0.5), p99: at(0.99) },
    statuses,
  };
}

async function readMetrics(url: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const values: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const match = /^([a-z_]+) ([0-9.e+]+)$/.exec(line);
    if (match) values[match[1]!] = Number(match[2]);
  }
  return values;
}

async function waitForHealth(url: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {}
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the sidecar did not come up at ${url}`);
}

export interface EmbeddedCheckResult {
  opsPerSecond: number;
  latencyUs: { mean: number; p99: number };
}

/** `lumen.check` through the SDK's embedded mode (the sidecar's cache in this process), warm, with tinybench. */
export async function measureEmbeddedChecks({
  timeMs = 3_000,
}: {
  timeMs?: number;
} = {}): Promise<EmbeddedCheckResult> {
  const { Bench } = await import("tinybench");
  const { Lumen } = await import("@lumen/sdk");
  const natsUrl = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
  const prefix = `bench${randomBytes(4).toString("hex")}`;
  const names = pipelineNames(prefix);
  const nats = await connectJetStream({ url: natsUrl, name: "bench-embedded" });
  const jsm = await nats.jetstreamManager();
  await ensureEventsStream(jsm, names, PARTITIONS);
  try {
    const customers = await seedCustomers(nats, names, 1_000);
    const lumen = await Lumen.embedded({ embedded: { nats, prefix, partitions: PARTITIONS, env: "test" } });
    try {
      for (const customer of customers) await lumen.check({ customer, feature: "messages" });
      let index = 0;
      const bench = new Bench({ time: timeMs, warmupTime: 500 });
      bench.add("embedded check", async () => {
        index = (index + 1) % customers.length;
        await lumen.check({ customer: customers[index]!, feature: "messages" });
      });
      await bench.run();
      const result = bench.tasks[0]!.result!;
      const us = (ms: number) => Math.round(ms * 1000 * 100) / 100;
      return { opsPerSecond: Math.round(result.hz), latencyUs: { mean: us(result.mean), p99: us(result.p99) } };
    } finally {
      await lumen.close();
    }
  } finally {
    await deletePipelineBuckets(jsm, names);
    await deleteEventsStream(jsm, names);
    await nats.drain();
  }
}
