import { randomBytes } from "node:crypto";
import { type CustomerDefinition, type EntitlementInput, QUERY_OPERATIONS } from "@lumen/core";
import { aCustomerDefinition, anEntitlement } from "@lumen/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Aggregator } from "../aggregator";
import { testClickHouses } from "../testing/clickhouse-drivers";
import { eventually, usageEvent } from "../testing/events";
import { startTestPipeline, type TestPipeline } from "../testing/harness";
import { answered, type OwnerRequests, ownerRequests, retrying } from "../testing/owner-requests";

const PARTITIONS = 2;
// Requests that cannot be decided yet give up quickly (the tests retry as a sidecar would).
const FAST_OWNER = { owner: { catchUpTimeoutMs: 1_000 } };

describe.each(testClickHouses())("the owner's checks, consumes and reservations ($name ClickHouse)", (driver) => {
  let pipeline: TestPipeline;
  let aggregator: Aggregator;
  let owner: OwnerRequests;

  beforeAll(async () => {
    pipeline = await startTestPipeline({ driver, partitions: PARTITIONS });
    aggregator = await pipeline.startAggregator(FAST_OWNER);
    await eventually(() => expect(aggregator.running()).toHaveLength(PARTITIONS));
    owner = ownerRequests({ nats: pipeline.fixture.nats, names: pipeline.fixture.names, partitions: PARTITIONS });
  });
  afterAll(() => pipeline.dispose());

  async function define(
    customer: string,
    features: Record<string, EntitlementInput>,
    fields: Partial<CustomerDefinition> = {},
  ): Promise<CustomerDefinition> {
    const definition = aCustomerDefinition({ customer, features, ...fields });
    await pipeline.fixture.putDefinition(definition);
    await owner.waitForDefinition(definition, Object.keys(features)[0]!);
    return definition;
  }

  /** The customer-wide counter of api-calls in the balances bucket, once it reaches `value`. */
  async function counted(customer: string, value: number): Promise<void> {
    await eventually(async () => expect((await pipeline.values(customer))["api-calls"]).toBe(value));
  }

  it("consumes up to a hard limit and then denies; each allowed consume counts once", async () => {
    await define("c-hard", { "api-calls": anEntitlement({ included: 5 }) });
    const balances: (number | null)[] = [];
    for (let i = 0; i < 5; i++) {
      const reply = answered(await owner.consume({ customer: "c-hard", feature: "api-calls" }));
      expect(reply.result.allowed).toBe(true);
      expect(reply.eventId).toMatch(/^evt_/);
      expect(reply.sequence).toBeGreaterThan(0);
      balances.push(reply.result.balance);
    }
    expect(balances).toEqual([4, 3, 2, 1, 0]);
    const denied = answered(await owner.consume({ customer: "c-hard", feature: "api-calls" }));
    expect(denied.result).toMatchObject({ allowed: false, reason: "limit_reached", balance: 0 });
    expect(denied.eventId).toBeNull();
    await counted("c-hard", 5);
    // Once the counters hold the events, their pending usage is gone: counted once, not twice.
    const check = answered(await owner.check({ customer: "c-hard", feature: "api-calls", quantity: 0 }));
    expect(check.result).toMatchObject({ used: 5, balance: 0 });
  });

  it("answers a retry of the same event id, or of an allowed idempotency key, with the first decision", async () => {
    await define("c-retry", { "api-calls": anEntitlement({ included: 3 }) });
    const [first, second] = await Promise.all([
      owner.consume({ customer: "c-retry", feature: "api-calls", quantity: 2, eventId: "evt_same" }),
      owner.consume({ customer: "c-retry", feature: "api-calls", quantity: 2, eventId: "evt_same" }),
    ]);
    expect(second).toEqual(first);
    expect(answered(first).eventId).toBe("evt_same");
    const keyed = answered(
      await owner.consume({ customer: "c-retry", feature: "api-calls", eventId: "evt_k1", idempotencyKey: "k" }),
    );
    const again = answered(
      await owner.consume({ customer: "c-retry", feature: "api-calls", eventId: "evt_k2", idempotencyKey: "k" }),
    );
    expect(again).toEqual(keyed);
    await counted("c-retry", 3);
    expect(answered(await owner.consume({ customer: "c-retry", feature: "api-calls", eventId: "evt_same" }))).toEqual(
      answered(first),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await pipeline.values("c-retry"))["api-calls"]).toBe(3);
  });

  it("decides only once the caller's own events are applied (appliedThrough)", async () => {
    await define("c-own", { "api-calls": anEntitlement({ included: 3 }) });
    const seq = await pipeline.track([usageEvent({ customer: "c-own", value: 3 })]);
    const reply = answered(await owner.consume({ customer: "c-own", feature: "api-calls", appliedThrough: seq }));
    expect(reply.result).toMatchObject({ allowed: false, used: 3, reason: "limit_reached" });
    const far = await owner.raw(QUERY_OPERATIONS.check, "c-own", {
      env: "test",
      customer: "c-own",
      feature: "api-calls",
      entity: null,
      quantity: 1,
      appliedThrough: seq + 1_000_000,
    });
    expect(far).toEqual({ error: { code: "unavailable", message: expect.stringContaining("catching up") } });
  }, 15_000);

  it("answers bad requests with an error, never a crash", async () => {
    const anyOperation: unknown[] = [
      randomBytes(64),
      new Uint8Array([0xc1]),
      { env: "prod", customer: "c-bad", feature: "api-calls", quantity: 1, id: "rsv_x", ttlSeconds: 5 },
      { env: "test", feature: "api-calls", quantity: 1, id: "rsv_x", ttlSeconds: 5 },
      [1, 2, 3],
      "text",
      null,
    ];
    const check = { env: "test", customer: "c-bad", feature: "api-calls", quantity: 1 };
    const reserve = { ...check, id: "rsv_x", ttlSeconds: 5 };
    const action = { env: "test", customer: "c-bad", id: "rsv_x" };
    const bad: [string, unknown[]][] = [
      [
        QUERY_OPERATIONS.check,
        [
          { ...check, quantity: -1 },
          { ...check, feature: "" },
          { ...check, appliedThrough: -4 },
        ],
      ],
      [
        QUERY_OPERATIONS.consume,
        [
          { ...check, quantity: 0 },
          { ...check, quantity: Number.NaN },
          { ...check, eventId: 7 },
          { ...check, entity: 3 },
        ],
      ],
      [
        QUERY_OPERATIONS.reserve,
        [{ ...reserve, ttlSeconds: 0 }, { ...reserve, ttlSeconds: 1.5 }, { ...reserve, quantity: 1e16 }, { ...check }],
      ],
      [
        QUERY_OPERATIONS.commitReservation,
        [
          { ...action, quantity: -1 },
          { ...action, id: "" },
        ],
      ],
      [QUERY_OPERATIONS.releaseReservation, [{ ...action, id: 42 }]],
    ];
    for (const [operation, payloads] of bad) {
      for (const payload of [...anyOperation, ...payloads]) {
        const answer = (await owner.raw(operation, "c-bad", payload)) as { error?: { code: string } };
        expect(answer.error?.code, `${operation} ${JSON.stringify(payload)}`).toBe("validation_error");
      }
    }
    // A customer of the other partition, sent here.
    const other = Array.from({ length: 20 }, (_, i) => `c-${i}`).find(
      (customer) => pipeline.partitionOf(customer) !== pipeline.partitionOf("c-bad"),
    )!;
    const misrouted = (await owner.raw(QUERY_OPERATIONS.consume, "c-bad", {
      env: "test",
      customer: other,
      feature: "api-calls",
      quantity: 1,
    })) as { error?: { code: string } };
    expect(misrouted.error?.code).toBe("validation_error");
    const unknown = (await owner.release({ customer: "c-bad", id: "rsv_nothing" })) as { error?: { code: string } };
    expect(unknown.error?.code).toBe("not_found");
    expect(aggregator.running()).toHaveLength(PARTITIONS);
  });

  it("holds reserved units until release or commit; a new owner takes held reservations over", async () => {
    await define("c-rsv", { "api-calls": anEntitlement({ included: 100 }) });
    const held = answered(await owner.reserve({ customer: "c-rsv", feature: "api-calls", quantity: 60, id: "rsv_a" }));
    expect(held).toMatchObject({
      allowed: true,
      reservation: { status: "held", quantity: 60 },
      result: { balance: 40 },
    });
    expect(
      answered(await owner.reserve({ customer: "c-rsv", feature: "api-calls", quantity: 60, id: "rsv_a" })),
    ).toEqual(held);
    const refused = answered(
      await owner.reserve({ customer: "c-rsv", feature: "api-calls", quantity: 41, id: "rsv_b" }),
    );
    expect(refused).toMatchObject({ allowed: false, result: { reason: "limit_reached" } });
    expect(
      answered(await owner.consume({ customer: "c-rsv", feature: "api-calls", quantity: 41 })).result.allowed,
    ).toBe(false);
    const released = answered(await owner.release({ customer: "c-rsv", id: "rsv_a" }));
    expect(released.reservation.status).toBe("released");
    expect(answered(await owner.release({ customer: "c-rsv", id: "rsv_a" })).reservation.status).toBe("released");
    expect(await owner.commit({ customer: "c-rsv", id: "rsv_a" })).toMatchObject({ error: { code: "conflict" } });

    answered(await owner.reserve({ customer: "c-rsv", feature: "api-calls", quantity: 30, id: "rsv_c" }));
    const committed = answered(await owner.commit({ customer: "c-rsv", id: "rsv_c", quantity: 20 }));
    expect(committed).toMatchObject({ reservation: { status: "committed" }, result: { used: 20, balance: 80 } });
    expect(answered(await owner.commit({ customer: "c-rsv", id: "rsv_c", quantity: 20 }))).toEqual(committed);
    await counted("c-rsv", 20);

    // Held across a crash: the next owner loads it from the reservations bucket.
    answered(await owner.reserve({ customer: "c-rsv", feature: "api-calls", quantity: 50, id: "rsv_d" }));
    await aggregator.kill();
    aggregator = await pipeline.startAggregator(FAST_OWNER);
    const check = answered(
      await retrying(() => owner.check({ customer: "c-rsv", feature: "api-calls", quantity: 31 })),
    );
    expect(check.result).toMatchObject({ allowed: false, balance: 30 });
    expect(answered(await owner.commit({ customer: "c-rsv", id: "rsv_d", quantity: 50 })).result.balance).toBe(30);
    await counted("c-rsv", 70);
  }, 20_000);

  it("after a crash, decides only once every consume the previous owner acknowledged is counted", async () => {
    await define("c-crash", { "api-calls": anEntitlement({ included: 10 }) });
    // The first owner never writes ClickHouse (a long flush linger): the next one must replay the stream.
    await aggregator.kill();
    const first = await pipeline.startAggregator({
      ...FAST_OWNER,
      flush: { lingerMs: 60_000, groupBytes: 64 * 1024 * 1024 },
    });
    await eventually(() => expect(first.running()).toHaveLength(PARTITIONS));
    for (let i = 0; i < 6; i++) {
      expect(answered(await owner.consume({ customer: "c-crash", feature: "api-calls" })).result.allowed).toBe(true);
    }
    await first.kill();
    // The replay takes a while (a slow flush): requests arrive meanwhile and must wait for it.
    aggregator = await pipeline.startAggregator({ ...FAST_OWNER, flush: { lingerMs: 500 } });
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        retrying(() => owner.consume({ customer: "c-crash", feature: "api-calls", eventId: `evt_crash${i}` })),
      ),
    );
    expect(answers.filter((answer) => answered(answer).result.allowed)).toHaveLength(4);
    await counted("c-crash", 10);
  }, 20_000);

  it("keeps the ledgers in snapshots when a counter moves to a new period, and after a restart", async () => {
    await define("c-ledger", { "api-calls": anEntitlement({ included: 10, rollover: { max: 20 } }) });
    const september = Date.UTC(2026, 8, 15);
    const october = Date.UTC(2026, 9, 1);
    const november = Date.UTC(2026, 10, 1);
    await pipeline.track([usageEvent({ customer: "c-ledger", value: 4, timestamp: september })]);
    await pipeline.track([usageEvent({ customer: "c-ledger", value: 1, timestamp: october + 1000 })]);
    await eventually(async () =>
      expect((await pipeline.snapshot("c-ledger"))?.ledgers).toEqual([
        { feature: "api-calls", entity: null, periodStart: october, rolledOver: 6, grantsUsed: {} },
      ]),
    );
    await aggregator.stop();
    aggregator = await pipeline.startAggregator(FAST_OWNER);
    await eventually(() => expect(aggregator.running()).toHaveLength(PARTITIONS));
    await retrying(() => owner.check({ customer: "c-ledger", feature: "api-calls" }));
    expect((await pipeline.currentUsage("c-ledger")).ledgers).toEqual([
      expect.objectContaining({ periodStart: october, rolledOver: 6 }),
    ]);
    // October had 10 + 6 and used 1: 15 roll into November (without the restored ledger it would be 9).
    await pipeline.track([usageEvent({ customer: "c-ledger", value: 2, timestamp: november + 1000 })]);
    await eventually(async () =>
      expect((await pipeline.snapshot("c-ledger"))?.ledgers).toEqual([
        { feature: "api-calls", entity: null, periodStart: november, rolledOver: 15, grantsUsed: {} },
      ]),
    );
    const check = answered(await owner.check({ customer: "c-ledger", feature: "api-calls", quantity: 0 }));
    expect(check.result).toMatchObject({ included: 10, used: 2, balance: 23 });
  }, 20_000);
});
