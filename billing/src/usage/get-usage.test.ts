import { customerKey, encodeMessage, type UsageSnapshot } from "@lumen/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBilling, type TestBilling } from "../../../test/support/billing";
import { startFakeAggregator } from "../../../test/support/fake-aggregator";
import { startTestPipeline, type TestPipeline } from "../../../test/support/pipeline";
import { seedCatalog } from "../../../test/support/scenario";

/** Billing's usage summary is core's balance model over its definition and the owner's snapshot. */

let pipeline: TestPipeline;
let aggregator: ReturnType<typeof startFakeAggregator>;
let billing: TestBilling;

const ok = async (method: "GET" | "POST", url: string, body?: unknown) => {
  const response = await billing.request({ method, url, body });
  if (response.status >= 300) throw new Error(`${url}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
};

const day = { start: Date.parse("2026-01-10T12:00:00Z"), end: Date.parse("2026-01-11T12:00:00Z") };
const month = { start: Date.parse("2026-01-10T12:00:00Z"), end: Date.parse("2026-02-10T12:00:00Z") };

beforeAll(async () => {
  pipeline = await startTestPipeline();
  aggregator = startFakeAggregator(pipeline.nats, pipeline.names);
  billing = await startTestBilling({ pipeline: pipeline.client });
  await seedCatalog(billing);
  const clock = await ok("POST", "/v1/test-clocks", { frozenTime: "2026-01-10T12:00:00Z" });
  await ok("POST", "/v1/customers", { id: "acme", testClock: clock.id });
  await ok("POST", "/v1/attach", { customer: "acme", plan: "team", trial: false });
  await ok("POST", "/v1/customers/acme/entities", { id: "ada", feature: "seats" });
  await ok("POST", "/v1/customers/acme/entities", { id: "grace", feature: "seats" });
  await ok("POST", "/v1/customers/acme/grants", { feature: "premium-messages", amount: 50 });
  const snapshot: UsageSnapshot = {
    env: "test",
    customer: "acme",
    partition: pipeline.client.partitionOf("test", "acme"),
    seq: 7,
    asOf: Date.parse("2026-01-10T12:00:00Z"),
    counters: [
      { feature: "premium-messages", entity: null, periodStart: month.start, periodEnd: month.end, value: 260 },
      { feature: "premium-messages", entity: "ada", periodStart: month.start, periodEnd: month.end, value: 230 },
      { feature: "premium-messages", entity: "grace", periodStart: month.start, periodEnd: month.end, value: 30 },
      { feature: "api-calls", entity: null, periodStart: day.start, periodEnd: day.end, value: 40 },
      // A feature the customer is not granted: shown as used, not granted.
      { feature: "untracked", entity: null, periodStart: day.start, periodEnd: day.end, value: 3 },
    ],
  };
  const balances = await pipeline.nats.jetstream().views.kv(pipeline.names.buckets.balances, { history: 1 });
  await balances.put(customerKey("test", "acme"), encodeMessage(snapshot));
});
afterAll(async () => {
  await billing.close();
  aggregator.stop();
  await pipeline.close();
});

describe("GET /v1/customers/:id/usage", () => {
  it("burns seats' usage against their own allowances, then the customer's grants", async () => {
    const usage = await ok("GET", "/v1/customers/acme/usage");
    expect(usage.customer).toBe("acme");
    const messages = usage.features.find((feature: { feature: string }) => feature.feature === "premium-messages");
    expect(messages).toEqual({
      feature: "premium-messages",
      type: "metered",
      granted: true,
      unlimited: false,
      included: 200,
      used: 260,
      // Ada's 130 beyond her allowance: 50 from the grant, 80 billed; Grace's unused 70 does not offset it.
      balance: -10,
      overage: 80,
      usageLimit: null,
      periodStart: "2026-01-10T12:00:00.000Z",
      periodEnd: "2026-02-10T12:00:00.000Z",
      resetsAt: "2026-02-10T12:00:00.000Z",
      entities: [
        { entity: "ada", included: 100, used: 230, balance: -130 },
        { entity: "grace", included: 100, used: 30, balance: 70 },
      ],
    });
  });

  it("reads daily allowances, seat levels, booleans and counters of features not granted", async () => {
    const { features } = await ok("GET", "/v1/customers/acme/usage");
    const byFeature = Object.fromEntries(features.map((feature: { feature: string }) => [feature.feature, feature]));
    expect(byFeature["api-calls"]).toMatchObject({
      included: 5000,
      used: 40,
      balance: 4960,
      resetsAt: "2026-01-11T12:00:00.000Z",
    });
    expect(byFeature.seats).toMatchObject({ type: "gauge", used: 2, periodEnd: null });
    expect(byFeature["advanced-analytics"]).toMatchObject({ type: "boolean", granted: true, balance: null });
    expect(byFeature.untracked).toMatchObject({ granted: false, used: 3, balance: null });
  });

  it("answers 404 for an unknown customer", async () => {
    expect((await billing.request({ method: "GET", url: "/v1/customers/ghost/usage" })).status).toBe(404);
  });
});

describe("the balances of POST /v1/track", () => {
  it("are those of the features the event counts toward, as the owner's snapshot has them", async () => {
    const byFeature = await ok("POST", "/v1/track", { customer: "acme", feature: "api-calls" });
    expect(byFeature.balances).toEqual([{ feature: "api-calls", used: 40, balance: 4960 }]);
    const byEvent = await ok("POST", "/v1/track", { customer: "acme", event: "message", properties: { model: "o3" } });
    expect(byEvent.balances).toEqual([{ feature: "premium-messages", used: 260, balance: -10 }]);
    const unmetered = await ok("POST", "/v1/track", { customer: "acme", event: "message", properties: { model: "x" } });
    expect(unmetered.balances).toEqual([]);
  });

  it("show usage without a balance for a customer billing does not know", async () => {
    const response = await ok("POST", "/v1/track", { customer: "stranger", feature: "api-calls" });
    expect(response.balances).toEqual([{ feature: "api-calls", used: 0, balance: null }]);
  });
});
