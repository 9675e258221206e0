import { randomBytes } from "node:crypto";
import { type CustomerDefinition, customerKey, decodeMessage, pipelineNames } from "@lumen/core";
import { connectJetStream } from "@lumen/core/runtime";
import { aCustomerDefinition } from "@lumen/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBilling, type TestBilling } from "../../../test/support/billing";
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

const ok = async (method: "GET" | "POST", url: string, body?: unknown) => {
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
      for (const bucket of [names.buckets.definitions, names.buckets.catalog]) {
        await jsm.streams.delete(`KV_${bucket}`).catch(() => {});
      }
      await nats.drain();
    }
  });
});
