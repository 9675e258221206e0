import { partitionOf } from "@lumen/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBilling, type TestBilling } from "../../../test/support/billing";
import { ALLOWED_RESULT, startFakeAggregator } from "../../../test/support/fake-aggregator";
import { startTestPipeline, type TestPipeline } from "../../../test/support/pipeline";
import { openPipelineClient } from "../pipeline/pipeline-client";

let pipeline: TestPipeline;
let billing: TestBilling;
let owner: ReturnType<typeof startFakeAggregator>;

beforeAll(async () => {
  pipeline = await startTestPipeline();
  owner = startFakeAggregator(pipeline.nats, pipeline.names, {
    owner: {
      partitions: pipeline.partitions,
      decide: (request) =>
        request.feature === "exports"
          ? { ...ALLOWED_RESULT, allowed: false, used: 5, balance: 0, included: 5, reason: "limit_reached" }
          : { ...ALLOWED_RESULT, periodStart: Date.parse("2026-01-01T00:00:00Z"), periodEnd: null },
    },
  });
  billing = await startTestBilling({ pipeline: pipeline.client });
  await billing.request({ method: "POST", url: "/v1/customers", body: { id: "acme" } });
});
afterAll(async () => {
  await billing.close();
  owner.stop();
  await pipeline.close();
});

const check = (body: unknown, headers: Record<string, string> = {}) =>
  billing.request({ method: "POST", url: "/v1/check", body, headers });

describe("POST /v1/check", () => {
  it("asks the owner of the customer's partition and answers the body of a check", async () => {
    const response = await check({ customer: "acme", feature: "messages", entity: "ada", quantity: 2 });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      allowed: true,
      customer: "acme",
      feature: "messages",
      entity: "ada",
      type: "metered",
      unlimited: false,
      included: 100,
      used: 0,
      balance: 100,
      overageAllowed: false,
      usageLimit: null,
      periodStart: "2026-01-01T00:00:00.000Z",
      periodEnd: null,
      resetsAt: null,
      reason: null,
      asOf: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(owner.ownerAsked.at(-1)).toEqual({
      operation: "check",
      partition: partitionOf("test", "acme", pipeline.partitions),
      request: { env: "test", customer: "acme", feature: "messages", entity: "ada", quantity: 2 },
    });
  });

  it("answers a denial with 200 and its reason", async () => {
    const response = await check({ customer: "acme", feature: "exports" });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ allowed: false, reason: "limit_reached", used: 5, balance: 0, entity: null });
    expect(owner.ownerAsked.at(-1)?.request.quantity).toBe(1);
  });

  it("answers customer_not_found for an unknown customer without asking the owner", async () => {
    const asked = owner.ownerAsked.length;
    const response = await check({ customer: "ghost", feature: "messages", consume: true });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      allowed: false,
      reason: "customer_not_found",
      customer: "ghost",
      type: null,
      balance: null,
    });
    expect(owner.ownerAsked.length).toBe(asked);
  });

  it("sends a consume with a fresh event id and the Idempotency-Key as the event's key", async () => {
    const response = await check(
      { customer: "acme", feature: "messages", consume: true },
      { "idempotency-key": "k-1" },
    );
    expect(response.status).toBe(200);
    const consume = owner.ownerAsked.at(-1);
    expect(consume).toMatchObject({ operation: "consume", request: { idempotencyKey: "k-1", quantity: 1 } });
    expect(consume?.request.eventId).toMatch(/^evt_/);
    await check({ customer: "acme", feature: "messages", consume: true });
    const second = owner.ownerAsked.at(-1)?.request;
    expect(second?.eventId).toMatch(/^evt_/);
    expect(second?.eventId).not.toBe(consume?.request.eventId);
    expect(second?.idempotencyKey).toBeNull();
  });

  it("names the field of each invalid value", async () => {
    for (const [body, path] of [
      [{ customer: "acme", feature: "messages", quantity: 0 }, "quantity"],
      [{ customer: "acme", feature: "messages", quantity: -1 }, "quantity"],
      [{ customer: "acme", feature: "messages", consume: "yes" }, "consume"],
      [{ customer: "acme" }, "feature"],
      [{ feature: "messages" }, "customer"],
      [{ customer: "acme", feature: "messages", user: "ada" }, "user"],
    ] as const) {
      const response = await check(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.details.map((detail: { path: string }) => detail.path)).toEqual([path]);
    }
  });

  it("answers 503 unavailable when no owner answers", async () => {
    const lonely = await openPipelineClient({
      nats: pipeline.nats,
      names: { ...pipeline.names, ownerSubject: (partition, operation) => `nobody.${partition}.${operation}` },
      partitions: pipeline.partitions,
      ownerTimeoutMs: 300,
    });
    const orphan = await startTestBilling({ pipeline: lonely });
    try {
      await orphan.request({ method: "POST", url: "/v1/customers", body: { id: "acme" } });
      const started = Date.now();
      const response = await orphan.request({
        method: "POST",
        url: "/v1/check",
        body: { customer: "acme", feature: "x" },
      });
      expect(response.status).toBe(503);
      expect(response.body.error.code).toBe("unavailable");
      expect(response.body.error.message).toMatch(/owner of the customer's partition did not answer/);
      // "No responders" is retried (a partition between owners) until close to the deadline.
      expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    } finally {
      await orphan.close();
    }
  });
});
