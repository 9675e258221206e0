import type { CustomerDefinition, EntitlementInput } from "@lumen/core";
import { encodeMessage } from "@lumen/core";
import { aCustomerDefinition, anEntitlement } from "@lumen/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Aggregator } from "../../aggregator/src/aggregator";
import { testClickHouses } from "../../aggregator/src/testing/clickhouse-drivers";
import { eventually } from "../../aggregator/src/testing/events";
import { startTestPipeline, type TestPipeline } from "../../aggregator/src/testing/harness";
import { answered, type OwnerRequests, ownerRequests } from "../../aggregator/src/testing/owner-requests";

const PARTITIONS = 4;

describe("strict consume and reservations at the owner (PRODUCT §9)", () => {
  const [driver] = testClickHouses();
  let pipeline: TestPipeline;
  let aggregator: Aggregator;
  /** Three separate NATS connections, as three sidecars or API processes would have. */
  let clients: OwnerRequests[];

  beforeAll(async () => {
    pipeline = await startTestPipeline({ driver: driver!, partitions: PARTITIONS });
    aggregator = await pipeline.startAggregator();
    await eventually(() => expect(aggregator.running()).toHaveLength(PARTITIONS));
    const { names } = pipeline.fixture;
    clients = await Promise.all(
      [1, 2, 3].map(async (n) =>
        ownerRequests({ nats: await pipeline.fixture.connect(`sidecar-${n}`), names, partitions: PARTITIONS }),
      ),
    );
  });
  afterAll(() => pipeline.dispose());

  async function define(
    customer: string,
    features: Record<string, EntitlementInput>,
    fields: Partial<CustomerDefinition> = {},
  ): Promise<void> {
    const definition = aCustomerDefinition({ customer, features, ...fields });
    await pipeline.fixture.putDefinition(definition);
    await clients[0]!.waitForDefinition(definition, Object.keys(features)[0]!);
  }

  async function balance(customer: string, quantity = 0) {
    return answered(await clients[0]!.check({ customer, feature: "api-calls", quantity })).result;
  }

  it("allows exactly 100 of 200 parallel consumes from 3 connections against a hard limit of 100", async () => {
    await define("acme-strict", { "api-calls": anEntitlement({ included: 100 }) });
    const started = performance.now();
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        clients[i % 3]!.consume({ customer: "acme-strict", feature: "api-calls", eventId: `evt_strict${i}` }),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    const allowed = answers.map(answered).filter((answer) => answer.result.allowed);
    expect(allowed).toHaveLength(100);
    expect(new Set(allowed.map((answer) => answer.eventId)).size).toBe(100);
    // Every denial saw the balance exhausted.
    for (const answer of answers.map(answered).filter((a) => !a.result.allowed)) {
      expect(answer.result).toMatchObject({ reason: "limit_reached", balance: 0 });
    }
    console.info(`200 parallel consumes answered in ${(seconds * 1000).toFixed(0)} ms`);

    // Once the pipeline settles, the counter holds each allowed consume once.
    await eventually(async () => expect(await pipeline.values("acme-strict")).toEqual({ "api-calls": 100 }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await pipeline.values("acme-strict")).toEqual({ "api-calls": 100 });
    expect(await balance("acme-strict")).toMatchObject({ used: 100, balance: 0 });
    expect(answered(await clients[2]!.consume({ customer: "acme-strict", feature: "api-calls" })).result.allowed).toBe(
      false,
    );
  });

  it("holds reserved units until release or commit, and frees them at expiry", async () => {
    await define("acme-hold", { "api-calls": anEntitlement({ included: 100 }) });
    const [a, b, c] = clients as [OwnerRequests, OwnerRequests, OwnerRequests];
    const held = answered(await a.reserve({ customer: "acme-hold", feature: "api-calls", quantity: 60, id: "rsv_h1" }));
    expect(held).toMatchObject({ allowed: true, result: { balance: 40 } });
    // Other connections see the hold at once.
    expect(
      answered(await b.consume({ customer: "acme-hold", feature: "api-calls", quantity: 41 })).result.allowed,
    ).toBe(false);
    expect(
      answered(await c.consume({ customer: "acme-hold", feature: "api-calls", quantity: 40 })).result.allowed,
    ).toBe(true);
    expect(answered(await b.release({ customer: "acme-hold", id: "rsv_h1" })).reservation.status).toBe("released");
    expect(await balance("acme-hold")).toMatchObject({ balance: 60 });

    answered(await a.reserve({ customer: "acme-hold", feature: "api-calls", quantity: 50, id: "rsv_h2" }));
    const committed = answered(await c.commit({ customer: "acme-hold", id: "rsv_h2", quantity: 35 }));
    expect(committed.result).toMatchObject({ used: 75, balance: 25 });
    await eventually(async () => expect(await pipeline.values("acme-hold")).toEqual({ "api-calls": 75 }));
    expect(await balance("acme-hold")).toMatchObject({ used: 75, balance: 25 });

    // A short reservation frees its units when it expires (wall clock).
    answered(
      await a.reserve({ customer: "acme-hold", feature: "api-calls", quantity: 25, id: "rsv_h3", ttlSeconds: 1 }),
    );
    expect(await balance("acme-hold", 1)).toMatchObject({ allowed: false, balance: 0 });
    await eventually(async () => expect(await balance("acme-hold", 1)).toMatchObject({ allowed: true, balance: 25 }));
    await eventually(async () =>
      expect(answered(await b.release({ customer: "acme-hold", id: "rsv_h3" })).reservation.status).toBe("expired"),
    );
  });

  it("expires a test-clock customer's reservation when billing moves the clock past it", async () => {
    const clocks = await pipeline.fixture.nats.jetstream().views.kv(pipeline.fixture.names.buckets.clocks, {
      history: 1,
    });
    const frozen = Date.UTC(2026, 0, 10);
    await clocks.put("clk_consume", encodeMessage({ id: "clk_consume", frozenTime: frozen }));
    await define("acme-clock", { "api-calls": anEntitlement({ included: 100 }) }, { testClock: "clk_consume" });
    const [a] = clients as [OwnerRequests];
    await eventually(async () =>
      expect(answered(await a.check({ customer: "acme-clock", feature: "api-calls" })).at).toBe(frozen),
    );
    const held = answered(
      await a.reserve({ customer: "acme-clock", feature: "api-calls", quantity: 70, id: "rsv_c1", ttlSeconds: 3600 }),
    );
    expect(held.reservation).toMatchObject({ createdAt: frozen, expiresAt: frozen + 3_600_000 });
    expect(await balance("acme-clock")).toMatchObject({ balance: 30 });
    // Wall-clock seconds pass; the customer's time does not: still held.
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    expect(await balance("acme-clock")).toMatchObject({ balance: 30 });
    await clocks.put("clk_consume", encodeMessage({ id: "clk_consume", frozenTime: frozen + 3_600_000 }));
    await eventually(async () => expect(await balance("acme-clock")).toMatchObject({ balance: 100 }));
    expect(answered(await a.release({ customer: "acme-clock", id: "rsv_c1" })).reservation.status).toBe("expired");
    // Consumes are recorded at the clock's time.
    const consumed = answered(await a.consume({ customer: "acme-clock", feature: "api-calls", quantity: 5 }));
    expect(consumed).toMatchObject({ at: frozen + 3_600_000, result: { used: 5 } });
    await eventually(async () =>
      expect((await pipeline.snapshot("acme-clock"))?.counters).toEqual([
        expect.objectContaining({ feature: "api-calls", periodStart: Date.UTC(2026, 0, 1), value: 5 }),
      ]),
    );
  });
});
