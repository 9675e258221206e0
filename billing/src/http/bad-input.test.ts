import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBilling, type TestBilling } from "../../../test/support/billing";
import { startFakeAggregator } from "../../../test/support/fake-aggregator";
import { startTestPipeline, type TestPipeline } from "../../../test/support/pipeline";
import { seedCatalog } from "../../../test/support/scenario";

let billing: TestBilling;
let routes: { method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE"; path: string }[];

let pipeline: TestPipeline;
let aggregator: ReturnType<typeof startFakeAggregator>;

beforeAll(async () => {
  pipeline = await startTestPipeline();
  aggregator = startFakeAggregator(pipeline.nats, pipeline.names, { owner: { partitions: pipeline.partitions } });
  billing = await startTestBilling({ pipeline: pipeline.client });
  await seedCatalog(billing);
  await billing.request({ method: "POST", url: "/v1/customers", body: { id: "acme" } });
  const spec = (await billing.request({ method: "GET", url: "/openapi.json", key: null })).body;
  routes = Object.entries(spec.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => ({ method: method.toUpperCase() as "GET", path })),
  );
});
afterAll(async () => {
  await billing.close();
  aggregator.stop();
  await pipeline.close();
});

/** Fills path parameters with ids that exist, so that bodies reach the verbs. */
function concrete(path: string): string {
  return path
    .replace("{entityId}", "user_1")
    .replace("{version}", "1")
    .replace(/\/v1\/(plans)\/\{id\}/, "/v1/$1/team")
    .replace(/\/v1\/(features)\/\{id\}/, "/v1/$1/api-calls")
    .replace(/\/v1\/(customers)\/\{id\}/, "/v1/$1/acme")
    .replace("{id}", "x");
}

describe("bad input", () => {
  it("covers every documented route", () => {
    expect(routes.length).toBeGreaterThan(30);
  });

  it("answers random JSON bodies on every route with a 4xx or a success, never a 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), fc.nat(), async (body, pick) => {
        const route = routes[pick % routes.length]!;
        const hasBody = route.method !== "GET" && route.method !== "DELETE";
        const response = await billing.request({
          method: route.method,
          url: concrete(route.path),
          ...(hasBody ? { body: JSON.stringify(body) } : {}),
        });
        expect(response.status, `${route.method} ${route.path} ${JSON.stringify(body)}`).toBeLessThan(500);
        if (response.status >= 400) expect(response.body.error.code).toBeTypeOf("string");
      }),
      { numRuns: 400 },
    );
  });

  it("answers wrongly typed fields with their path", async () => {
    for (const body of [
      { id: 1, name: "x", type: "boolean" },
      { id: "ok", name: ["x"], type: "boolean" },
      { id: "ok", name: "x", type: "nope" },
    ]) {
      const response = await billing.request({ method: "POST", url: "/v1/features", body });
      expect(response.status).toBe(400);
      expect(response.body.error.details[0].path).toMatch(/^(id|name|type)$/);
    }
  });

  it("answers malformed query strings with 400", async () => {
    for (const url of [
      "/v1/customers?limit=abc",
      "/v1/customers?limit=0",
      "/v1/customers/acme/entitlements?at=yesterday",
      "/v1/customers/acme/history?startingAfter=-1",
      "/v1/plans?colour=red",
    ]) {
      const response = await billing.request({ method: "GET", url });
      expect(response.status, url).toBe(400);
    }
  });
});
