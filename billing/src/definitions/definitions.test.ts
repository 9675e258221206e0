import { randomBytes } from "node:crypto";
import { type CustomerDefinition, customerKey, decodeMessage, pipelineNames, subjectToken } from "@lumen/core";
import { connectJetStream, deletePipelineBuckets } from "@lumen/core/runtime";
import { aCustomerDefinition } from "@lumen/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBilling, type TestBilling } from "../../../test/support/billing";
import { testNatsPrefix } from "../../../test/support/nats-prefix";
import { seedCatalog } from "../../../test/support/scenario";
import { memoryDefinitionStore, openNatsDefinitionStore } from "./definition-store";

const memory = memoryDefinitionStore();
let billing: TestBilling;

beforeAll(async () => {
  billing = await startTestBilling({ definitions: memory.store });
  await seedCatalog(billing);
});
afterAll(async () => {
  await billing.close();
});

const ok = async (method: "GET" | "POST" | "PUT" | "DELETE", url: string, body?: unknown) => {
  const response = await billing.request({ method, url, body });
  if (response.status !== 200) throw new Error(`${url}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
};

describe("definitions pushed after each write", () => {
  it("publishes the catalog with its meters", () => {
    const catalog = memory.catalogs.get("test");
    expect(catalog?.features["premium-messages"]?.meter).toMatchObject({ event: "message", aggregation: "count" });
    expect(catalog?.features.seats?.type).toBe("gauge");
  });

  it("publishes a customer's features with reset schedules aligned to the billing anchor", async () => {
    const clock = await ok("POST", "/v1/test-clocks", { frozenTime: "2026-01-10T00:00:00Z" });
    await ok("POST", "/v1/customers", { id: "defined", testClock: clock.id });
    const afterCreate = memory.customers.get("test.defined");
    expect(afterCreate?.features["api-calls"]).toMatchObject({
      included: 100,
      reset: { interval: "day", anchor: "2026-01-10T00:00:00.000Z" },
    });
    await ok("POST", "/v1/attach", { customer: "defined", plan: "team", trial: false });
    const definition = memory.customers.get("test.defined")!;
    expect(definition.version).toBeGreaterThan(afterCreate!.version);
    expect(definition.testClock).toBe(clock.id);
    expect(definition.billingPeriod).toEqual({ interval: "month", anchor: "2026-01-10T00:00:00.000Z" });
    expect(definition.features["premium-messages"]).toMatchObject({
      included: 100,
      per: "seat",
      overageAllowed: true,
      reset: { interval: "month", anchor: "2026-01-10T00:00:00.000Z" },
    });
    expect(definition.features.seats?.reset.interval).toBeNull();
    expect(definition.features["advanced-analytics"]?.type).toBe("boolean");
  });

  it("marks a deleted customer as gone", async () => {
    await ok("POST", "/v1/customers", { id: "gone" });
    await billing.request({ method: "DELETE", url: "/v1/customers/gone" });
    expect(memory.customers.get("test.gone")).toMatchObject({ exists: false, features: {} });
  });

  it("publishes grants and overrides with times in ms, and republishes on each change", async () => {
    const clock = await ok("POST", "/v1/test-clocks", { frozenTime: "2030-01-01T00:00:00Z" });
    await ok("POST", "/v1/customers", { id: "promoted", testClock: clock.id });
    const grant = await ok("POST", "/v1/customers/promoted/grants", {
      feature: "api-calls",
      amount: 50,
      priority: 2,
      expiresAt: "2030-02-01T00:00:00Z",
    });
    expect(memory.customers.get("test.promoted")?.grants).toEqual([
      {
        id: grant.id,
        feature: "api-calls",
        amount: 50,
        priority: 2,
        expiresAt: Date.parse("2030-02-01T00:00:00Z"),
        createdAt: Date.parse("2030-01-01T00:00:00Z"),
        voidedAt: null,
      },
    ]);
    await ok("POST", `/v1/customers/promoted/grants/${grant.id}/void`);
    expect(memory.customers.get("test.promoted")?.grants[0]?.voidedAt).toBe(Date.parse("2030-01-01T00:00:00Z"));
    await ok("PUT", "/v1/customers/promoted/overrides/premium-messages", {
      enabled: true,
      included: 20,
      expiresAt: "2030-01-15T00:00:00Z",
    });
    expect(memory.customers.get("test.promoted")?.overrides).toEqual({
      "premium-messages": {
        feature: "premium-messages",
        enabled: true,
        included: 20,
        expiresAt: Date.parse("2030-01-15T00:00:00Z"),
      },
    });
    await ok("DELETE", "/v1/customers/promoted/overrides/premium-messages");
    expect(memory.customers.get("test.promoted")?.overrides).toEqual({});
  });

  it("publishes seats as entities and seat features, and puts each entity's customer in the entities bucket", async () => {
    await ok("POST", "/v1/customers", { id: "seated" });
    await ok("POST", "/v1/attach", { customer: "seated", plan: "team", trial: false });
    await ok("POST", "/v1/customers/seated/entities", { id: "ada@seated", feature: "seats" });
    await ok("POST", "/v1/customers/seated/entities", { id: "grace", feature: "seats" });
    const definition = memory.customers.get("test.seated")!;
    expect(definition.entities).toEqual({ "ada@seated": "seats", grace: "seats" });
    expect(definition.seatFeatures).toEqual(["seats"]);
    expect(definition.features["premium-messages"]).toMatchObject({ per: "seat", pooled: false, rollover: null });
    expect(memory.entities.get("test.ada@seated")).toBe("seated");
    await ok("DELETE", "/v1/customers/seated/entities/grace");
    expect(memory.customers.get("test.seated")?.entities).toEqual({ "ada@seated": "seats" });
    expect(memory.entities.has("test.grace")).toBe(false);
  });

  it("puts every test clock's time in the clocks bucket on create and advance", async () => {
    const clock = await ok("POST", "/v1/test-clocks", { frozenTime: "2031-01-01T00:00:00Z" });
    expect(memory.clocks.get(clock.id)).toBe(Date.parse("2031-01-01T00:00:00Z"));
    await ok("POST", `/v1/test-clocks/${clock.id}/advance`, { frozenTime: "2031-03-01T00:00:00Z" });
    expect(memory.clocks.get(clock.id)).toBe(Date.parse("2031-03-01T00:00:00Z"));
    await billing.request({ method: "DELETE", url: `/v1/test-clocks/${clock.id}` });
    expect(memory.clocks.has(clock.id)).toBe(false);
  });

  it("gives every customer the costs of every credits feature, and republishes them when the costs change", async () => {
    await ok("POST", "/v1/features", {
      id: "ai-credits",
      name: "AI credits",
      type: "credits",
      creditCosts: { "premium-messages": 5 },
    });
    await ok("POST", "/v1/customers", { id: "credited" });
    expect(memory.customers.get("test.credited")?.creditCosts).toEqual({ "ai-credits": { "premium-messages": 5 } });
    const before = memory.customers.get("test.defined")!.version;
    await billing.request({
      method: "PATCH",
      url: "/v1/features/ai-credits",
      body: { creditCosts: { "premium-messages": 4, "api-calls": 1 } },
    });
    for (const customer of ["test.credited", "test.defined"]) {
      expect(memory.customers.get(customer)?.creditCosts).toEqual({
        "ai-credits": { "premium-messages": 4, "api-calls": 1 },
      });
    }
    expect(memory.customers.get("test.defined")!.version).toBeGreaterThan(before);
    // Nothing to republish when only the name changes.
    const unchanged = memory.customers.get("test.defined")!.version;
    await billing.request({ method: "PATCH", url: "/v1/features/ai-credits", body: { name: "Credits" } });
    expect(memory.customers.get("test.defined")!.version).toBe(unchanged);
  });

  it("leaves nothing in the outbox", async () => {
    const { rows } = await billing.database.pool.query("SELECT count(*)::int AS n FROM definition_outbox");
    expect(rows[0].n).toBe(0);
  });
});

describe("the NATS definition store", () => {
  it("puts definitions in the KV bucket as msgpack and announces them", async () => {
    const nats = await connectJetStream({ url: "nats://127.0.0.1:4222", name: "definitions-test" });
    const names = pipelineNames(`t${randomBytes(4).toString("hex")}`);
    try {
      const store = await openNatsDefinitionStore(nats, names);
      const announced: CustomerDefinition[] = [];
      const subscription = nats.subscribe(`${names.prefix}.definitions.>`, {
        callback: (_error, message) => announced.push(decodeMessage(message.data)),
      });
      const definition: CustomerDefinition = aCustomerDefinition({
        env: "live",
        customer: "acme.eu",
        version: 7,
      });
      await store.putCustomer(definition);
      await nats.flush();
      const kv = await nats.jetstream().views.kv(names.buckets.definitions);
      const entry = await kv.get(customerKey("live", "acme.eu"));
      expect(decodeMessage(entry!.value)).toEqual(definition);
      expect(announced).toEqual([definition]);
      subscription.unsubscribe();
    } finally {
      const jsm = await nats.jetstreamManager();
      for (const bucket of Object.values(names.buckets)) {
        await jsm.streams.delete(`KV_${bucket}`).catch(() => {});
      }
      await nats.drain();
    }
  });
});

describe("the entities and clocks buckets in NATS KV", () => {
  it("hold each entity's customer and each clock's time once a write answered, and lose them on delete", async () => {
    const nats = await connectJetStream({ url: "nats://127.0.0.1:4222", name: "side-buckets-test" });
    const names = pipelineNames(testNatsPrefix());
    const kv = (bucket: string) => nats.jetstream().views.kv(bucket, { history: 1 });
    const sideBilling = await startTestBilling({ definitions: await openNatsDefinitionStore(nats, names) });
    const call = async (method: "POST" | "DELETE", url: string, body?: unknown) => {
      const response = await sideBilling.request({ method, url, body });
      if (response.status !== 200) throw new Error(`${url}: ${response.status} ${JSON.stringify(response.body)}`);
      return response.body;
    };
    try {
      await call("POST", "/v1/features", { id: "seats", name: "Seats", type: "gauge" });
      const clock = await call("POST", "/v1/test-clocks", { frozenTime: "2026-01-01T00:00:00Z" });
      const clocks = await kv(names.buckets.clocks);
      expect(decodeMessage((await clocks.get(clock.id))!.value)).toEqual({
        id: clock.id,
        frozenTime: Date.parse("2026-01-01T00:00:00Z"),
      });
      await call("POST", "/v1/customers", { id: "acme", testClock: clock.id });
      await call("POST", `/v1/test-clocks/${clock.id}/advance`, { frozenTime: "2026-02-15T00:00:00Z" });
      expect(decodeMessage<{ frozenTime: number }>((await clocks.get(clock.id))!.value).frozenTime).toBe(
        Date.parse("2026-02-15T00:00:00Z"),
      );

      await call("POST", "/v1/customers/acme/entities", { id: "ada@acme.test", feature: "seats" });
      const entities = await kv(names.buckets.entities);
      const key = customerKey("test", "ada@acme.test");
      expect(key).toBe(`test.${subjectToken("ada@acme.test")}`);
      expect(decodeMessage((await entities.get(key))!.value)).toEqual({ customer: "acme" });
      await call("DELETE", "/v1/customers/acme/entities/ada@acme.test");
      expect((await entities.get(key))?.operation).toBe("DEL");
    } finally {
      await sideBilling.close();
      const jsm = await nats.jetstreamManager();
      await deletePipelineBuckets(jsm, names);
      await nats.drain();
    }
  });
});
