import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openEmbeddedClickHouse, startAggregator } from "@lumen/aggregator";
import { customerKey, decodeMessage, encodeMessage, partitionOf, pipelineNames, QUERY_OPERATIONS } from "@lumen/core";
import { connectJetStream, deleteEventsStream, deletePipelineBuckets, ensureEventsStream } from "@lumen/core/runtime";
import { aCustomerDefinition, anEntitlement } from "@lumen/core/testing";
import type { NatsConnection } from "nats";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSidecar, type RunningSidecar } from "../../sidecar/src";
import { testNatsPrefix } from "../support/nats-prefix";

const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const PARTITIONS = 4;

describe("strict consume through three sidecars", () => {
  const names = pipelineNames(testNatsPrefix());
  const logger = pino({ level: "silent" });
  const dir = mkdtempSync(join(tmpdir(), "lumen-consume-"));
  const connections: NatsConnection[] = [];
  const sidecars: RunningSidecar[] = [];
  let stopAggregator: () => Promise<void> = async () => {};
  let closeClickHouse: () => Promise<void> = async () => {};

  beforeAll(async () => {
    const connect = async (name: string) => {
      const connection = await connectJetStream({ url: NATS_URL, name });
      connections.push(connection);
      return connection;
    };
    const nats = await connect("consume-test");
    await ensureEventsStream(await nats.jetstreamManager(), names, PARTITIONS);
    const definitions = await nats.jetstream().views.kv(names.buckets.definitions, { history: 1 });
    const definition = aCustomerDefinition({
      customer: "acme",
      features: { exports: anEntitlement({ included: 100 }) },
    });
    await definitions.put(customerKey("test", "acme"), encodeMessage(definition));
    const beta = aCustomerDefinition({ customer: "beta", features: { tokens: anEntitlement({ included: 50 }) } });
    await definitions.put(customerKey("test", "beta"), encodeMessage(beta));
    const clickhouse = openEmbeddedClickHouse({ path: dir });
    closeClickHouse = () => clickhouse.close();
    const aggregator = await startAggregator({
      nats: await connect("consume-aggregator"),
      clickhouse,
      names,
      partitions: PARTITIONS,
      logger,
    });
    stopAggregator = () => aggregator.stop();
    for (let index = 0; index < 3; index++) {
      const connection = await connect(`consume-sidecar-${index}`);
      sidecars.push(await createSidecar({ nats: connection, names, partitions: PARTITIONS, env: "test", logger }));
    }
  }, 60_000);

  afterAll(async () => {
    for (const sidecar of sidecars) await sidecar.close();
    await stopAggregator();
    await closeClickHouse();
    const jsm = await connections[0]!.jetstreamManager();
    await deleteEventsStream(jsm, names);
    await deletePipelineBuckets(jsm, names);
    for (const connection of connections) await connection.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("lets exactly 100 of 200 parallel consumes through against a hard limit of 100", async () => {
    const consume = (index: number) =>
      sidecars[index % 3]!.sidecar.handle({
        method: "POST",
        path: "/v1/consume",
        body: { customer: "acme", feature: "exports", quantity: 1 },
      });
    // The owner answers once it holds its partitions (leases settle within a few seconds).
    const ownerCheck = names.ownerSubject(partitionOf("test", "acme", PARTITIONS), QUERY_OPERATIONS.check);
    const request = { env: "test", customer: "acme", feature: "exports", entity: null, quantity: 1 };
    await expect
      .poll(
        async () => {
          const reply = await connections[0]!
            .request(ownerCheck, encodeMessage(request), { timeout: 1_000 })
            .catch(() => null);
          return reply ? "result" in decodeMessage<object>(reply.data) : false;
        },
        { timeout: 30_000, interval: 250 },
      )
      .toBe(true);
    const answers = await Promise.all(Array.from({ length: 200 }, (_, index) => consume(index)));
    expect(answers.every((answer) => answer.status === 200)).toBe(true);
    const allowed = answers.filter((answer) => (answer.body as { allowed: boolean }).allowed);
    expect(allowed).toHaveLength(100);
    const denied = answers.filter((answer) => !(answer.body as { allowed: boolean }).allowed);
    expect(denied.every((answer) => (answer.body as { reason: string }).reason === "limit_reached")).toBe(true);
    // Every sidecar's cache comes to the owner's count: exactly 100 used.
    for (const running of sidecars) {
      await expect
        .poll(
          async () =>
            (
              (await running.sidecar.handle({
                method: "POST",
                path: "/v1/check",
                body: { customer: "acme", feature: "exports" },
              })) as { body: { used: number } }
            ).body.used,
          { timeout: 10_000 },
        )
        .toBe(100);
    }
  }, 60_000);

  it("holds reserved units against the balance until release or commit", async () => {
    const post = (path: string, body: unknown, index = 0) =>
      sidecars[index]!.sidecar.handle({ method: "POST", path, body }) as Promise<{ status: number; body: any }>;
    const reserved = await post("/v1/reservations", {
      customer: "beta",
      feature: "tokens",
      quantity: 40,
      ttlSeconds: 60,
    });
    expect(reserved.status).toBe(200);
    expect(reserved.body).toMatchObject({ allowed: true, quantity: 40 });
    expect(reserved.body.id).toMatch(/^rsv_/);
    // The reserving sidecar counts the hold at once; another sees it through the owner's decision.
    expect((await post("/v1/check", { customer: "beta", feature: "tokens" })).body).toMatchObject({ balance: 10 });
    // Another sidecar sees only 10 left while the reservation holds.
    expect((await post("/v1/consume", { customer: "beta", feature: "tokens", quantity: 20 }, 1)).body).toMatchObject({
      allowed: false,
      reason: "limit_reached",
    });
    const released = await post(`/v1/reservations/${reserved.body.id}/release`, undefined);
    expect(released).toEqual({ status: 200, body: { id: reserved.body.id, status: "released" } });
    expect((await post("/v1/check", { customer: "beta", feature: "tokens" })).body).toMatchObject({ balance: 50 });
    expect((await post("/v1/consume", { customer: "beta", feature: "tokens", quantity: 20 }, 1)).body.allowed).toBe(
      true,
    );

    const second = await post("/v1/reservations", { customer: "beta", feature: "tokens", quantity: 30 });
    expect(second.body.allowed).toBe(true);
    expect((await post("/v1/reservations", { customer: "beta", feature: "tokens", quantity: 1 })).body.allowed).toBe(
      false,
    );
    const committed = await post(`/v1/reservations/${second.body.id}/commit`, { quantity: 12 }, 2);
    expect(committed.status).toBe(200);
    expect(committed.body).toMatchObject({ status: "committed", check: { feature: "tokens", used: 32, balance: 18 } });
  }, 30_000);
});
