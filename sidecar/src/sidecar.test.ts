import {
  decodeMessage,
  encodeMessage,
  type OwnerCheckReply,
  type OwnerCheckRequest,
  periodOfSchedule,
  QUERY_OPERATIONS,
  type ResetSchedule,
  type UsageSnapshot,
} from "@lumen/core";
import { aCustomerDefinition, anEntitlement } from "@lumen/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, PARTITIONS, type SidecarFixture, startSidecarFixture } from "./testing/sidecar-fixture";

const monthly: ResetSchedule = { interval: "month", anchor: "2026-01-01T00:00:00.000Z" };
const period = () => periodOfSchedule(monthly, Date.now());

function snapshot(customer: string, seq: number, used: number, entity: string | null = null): UsageSnapshot {
  const { start, end } = period();
  const counters: UsageSnapshot["counters"] = [
    { feature: "messages", entity: null, periodStart: start, periodEnd: end, value: used },
  ];
  if (entity) counters.push({ feature: "messages", entity, periodStart: start, periodEnd: end, value: used });
  return { env: "test", customer, partition: 0, seq, asOf: Date.now(), counters, ledgers: [] };
}

const definition = (customer: string, fields: Parameters<typeof aCustomerDefinition>[0] = {}) =>
  aCustomerDefinition({
    customer,
    features: {
      messages: anEntitlement({ reset: monthly, included: 100 }),
      sso: anEntitlement({ type: "boolean", reset: monthly, included: 0 }),
    },
    ...fields,
  });

describe("the sidecar", () => {
  let fixture: SidecarFixture;
  beforeAll(async () => {
    fixture = await startSidecarFixture({ cache: { maxEntries: 3 } });
  });
  afterAll(async () => {
    await fixture?.dispose();
  });

  it("answers a check from the customer's definition and the owner's snapshot", async () => {
    await fixture.putDefinition(definition("acme"));
    await fixture.putSnapshot(snapshot("acme", 10, 40));
    const { status, body } = await fixture.post("/v1/check", { customer: "acme", feature: "messages", quantity: 5 });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      allowed: true,
      customer: "acme",
      feature: "messages",
      entity: null,
      type: "metered",
      included: 100,
      used: 40,
      balance: 60,
      reason: null,
      periodStart: new Date(period().start).toISOString(),
    });
    expect(body.stale).toBeUndefined();
    const sso = await fixture.post("/v1/check", { customer: "acme", feature: "sso" });
    expect(sso.body).toMatchObject({ allowed: true, type: "boolean" });
  });

  it("applies a pushed snapshot and ignores one older than what it holds", async () => {
    await fixture.putDefinition(definition("push"));
    await fixture.putSnapshot(snapshot("push", 20, 10));
    expect((await fixture.post("/v1/check", { customer: "push", feature: "messages" })).body.used).toBe(10);
    await fixture.putSnapshot(snapshot("push", 25, 100));
    const after = await eventually(
      async () => (await fixture.post("/v1/check", { customer: "push", feature: "messages" })).body,
      (body) => body.used === 100,
    );
    expect(after).toMatchObject({ allowed: false, reason: "limit_reached", balance: 0 });
    await fixture.putSnapshot(snapshot("push", 21, 3));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await fixture.post("/v1/check", { customer: "push", feature: "messages" })).body.used).toBe(100);
  });

  it("says customer_not_found for an unknown customer, then follows billing when it creates one", async () => {
    const unknown = await fixture.post("/v1/check", { customer: "ghost", feature: "messages" });
    expect(unknown).toEqual({
      status: 200,
      body: expect.objectContaining({ allowed: false, reason: "customer_not_found" }),
    });
    await fixture.putDefinition(definition("ghost"));
    const known = await eventually(
      async () => (await fixture.post("/v1/check", { customer: "ghost", feature: "messages" })).body,
      (body) => body.allowed === true,
    );
    expect(known.reason).toBeNull();
  });

  it("resolves a user that is a seat to its customer", async () => {
    await fixture.putDefinition(definition("seated"));
    await fixture.putSnapshot(snapshot("seated", 30, 7, "user_42"));
    await fixture.putEntity("user_42", "seated");
    const { body } = await fixture.post("/v1/check", { user: "user_42", feature: "messages" });
    expect(body).toMatchObject({ customer: "seated", entity: "user_42", used: 7 });
    const usage = await fixture.get("/v1/customers/user_42/usage");
    expect(usage.status).toBe(200);
    expect(usage.body.customer).toBe("seated");
    expect(usage.body.features.find((feature: { feature: string }) => feature.feature === "messages")).toMatchObject({
      used: 7,
      balance: 93,
    });
  });

  it("counts events tracked through it at once, and once the owner includes them, only once", async () => {
    await fixture.putDefinition(definition("tracker"));
    await fixture.putSnapshot(snapshot("tracker", 1, 0));
    const tracked = await fixture.post("/v1/track", { customer: "tracker", feature: "messages", value: 3 });
    expect(tracked).toEqual({ status: 202, body: { queued: 1 } });
    expect((await fixture.post("/v1/check", { customer: "tracker", feature: "messages" })).body.used).toBe(3);
    // The event reaches the stream; the owner's next snapshot (a later sequence) includes it.
    const sequence = await fixture.running.queue.settledSequence("test", "tracker");
    expect(sequence).toBeGreaterThan(0);
    await fixture.putSnapshot(snapshot("tracker", sequence, 3));
    const reconciled = await eventually(
      async () => (await fixture.post("/v1/check", { customer: "tracker", feature: "messages" })).body,
      (body) => body.used === 3 && fixture.running.cache.peek("test", "tracker")?.own.length === 0,
    );
    expect(reconciled.used).toBe(3);
    expect(fixture.running.cache.peek("test", "tracker")?.own).toEqual([]);
  });

  it("queues a batch and lists the bad events of it", async () => {
    const { status, body } = await fixture.post("/v1/track", {
      events: [
        { customer: "tracker", feature: "messages" },
        { customer: "", feature: "messages" },
      ],
    });
    expect(status).toBe(202);
    expect(body.queued).toBe(1);
    expect(body.rejected).toEqual([expect.objectContaining({ index: 1 })]);
    expect(body.rejected[0].error.details[0].path).toMatch(/^events\.1\.customer/);
  });

  it("sends consumes to the partition's owner, after the events it tracked for that customer", async () => {
    await fixture.putDefinition(definition("strict"));
    const asked: OwnerCheckRequest[] = [];
    const subscriptions = Array.from({ length: PARTITIONS }, (_, partition) =>
      fixture.nats.subscribe(fixture.names.ownerSubject(partition, QUERY_OPERATIONS.consume), {
        callback: (_error, message) => {
          const request = decodeMessage<OwnerCheckRequest>(message.data);
          asked.push(request);
          const reply: OwnerCheckReply = {
            result: {
              allowed: true,
              type: "metered",
              unlimited: false,
              included: 100,
              used: 9,
              balance: 91,
              overageAllowed: false,
              usageLimit: null,
              periodStart: period().start,
              periodEnd: period().end,
              resetsAt: period().end,
              reason: null,
            },
            at: Date.now(),
            asOf: Date.now(),
            eventId: request.eventId ?? null,
          };
          message.respond(encodeMessage(reply));
        },
      }),
    );
    await fixture.nats.flush();
    await fixture.post("/v1/track", { customer: "strict", feature: "messages", value: 4 });
    const { status, body } = await fixture.post("/v1/consume", {
      customer: "strict",
      feature: "messages",
      quantity: 5,
    });
    for (const subscription of subscriptions) subscription.unsubscribe();
    expect(status).toBe(200);
    expect(body).toMatchObject({ allowed: true, balance: 91, customer: "strict" });
    expect(asked).toHaveLength(1);
    expect(asked[0]).toMatchObject({ customer: "strict", feature: "messages", quantity: 5, entity: null });
    expect(asked[0]!.eventId).toMatch(/^evt_/);
    expect(asked[0]!.appliedThrough).toBe(await fixture.running.queue.settledSequence("test", "strict"));
    expect(asked[0]!.appliedThrough).toBeGreaterThan(0);
  });

  it("answers 503 when no owner answers a consume", async () => {
    const { status, body } = await fixture.post("/v1/consume", { customer: "strict", feature: "messages" });
    expect(status).toBe(503);
    expect(body.error.code).toBe("unavailable");
  });

  it("keeps at most its LRU bound of customers and stops following the evicted ones", async () => {
    for (const customer of ["lru-a", "lru-b", "lru-c", "lru-d"]) {
      await fixture.putDefinition(definition(customer));
      await fixture.post("/v1/check", { customer, feature: "messages" });
    }
    expect(fixture.running.cache.size).toBe(3);
    expect(fixture.running.cache.peek("test", "lru-a")).toBeUndefined();
    const metrics = await fixture.metrics.registry.getSingleMetricAsString("lumen_sidecar_cache_evictions_total");
    expect(metrics).toMatch(/lumen_sidecar_cache_evictions_total \d+/);
  });

  it("answers bad input with a 400 naming the field", async () => {
    const cases: [string, unknown, string][] = [
      ["/v1/check", { customer: "acme" }, "feature"],
      ["/v1/check", { feature: "messages" }, "customer"],
      ["/v1/check", { customer: "acme", feature: "messages", quantity: -1 }, "quantity"],
      ["/v1/check", { customer: "acme", feature: "messages", colour: "red" }, "colour"],
      ["/v1/consume", { customer: 7, feature: "messages" }, "customer"],
      ["/v1/reservations", { customer: "acme", feature: "messages" }, "quantity"],
      ["/v1/reservations", { customer: "acme", feature: "messages", quantity: 1, ttlSeconds: 0 }, "ttlSeconds"],
      ["/v1/track", { customer: "acme", value: 1 }, ""],
    ];
    for (const [path, body, field] of cases) {
      const response = await fixture.post(path, body);
      expect(response.status, `${path} ${JSON.stringify(body)}`).toBe(400);
      expect(response.body.error.code).toBe("validation_error");
      if (field) expect(response.body.error.details.map((detail: { path: string }) => detail.path)).toContain(field);
    }
    const malformed = await fixture.post("/v1/check", "{not json");
    expect(malformed.status).toBe(400);
    expect((await fixture.post("/v1/nothing", {})).status).toBe(404);
    expect((await fixture.post("/v1/reservations/rsv_missing/commit", { quantity: 1 })).status).toBe(404);
    expect((await fixture.post("/v1/reservations/%E0%A4%A/commit", { quantity: 1 })).status).toBe(400);
    expect((await fixture.get("/v1/customers/%zz/usage")).status).toBe(400);
  });
});
