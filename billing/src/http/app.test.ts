import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIVE_KEY, startTestBilling, type TestBilling } from "../../../test/support/billing";

let billing: TestBilling;
beforeAll(async () => {
  billing = await startTestBilling();
});
afterAll(async () => {
  await billing.close();
});

const feature = (id: string) => ({ id, name: `Feature ${id}`, type: "boolean" });

describe("the HTTP edge", () => {
  it("answers /healthz without a key", async () => {
    const response = await billing.request({ method: "GET", url: "/healthz", key: null });
    expect(response.status).toBe(200);
    expect(response.body.status).toBe("ok");
  });

  it("rejects a request without a key with 401 in the error envelope", async () => {
    const response = await billing.request({ method: "GET", url: "/v1/features", key: null });
    expect(response.status).toBe(401);
    expect(response.body.error.code).toBe("unauthorized");
    expect(response.body.error.requestId).toMatch(/^req_/);
  });

  it("rejects an unknown key with 401", async () => {
    const response = await billing.request({
      method: "GET",
      url: "/v1/features",
      key: "lum_sk_test_notarealkey123456",
    });
    expect(response.status).toBe(401);
  });

  it("hides test objects from a live key with 404", async () => {
    await billing.request({ method: "POST", url: "/v1/features", body: feature("sso") });
    const test = await billing.request({ method: "GET", url: "/v1/features/sso" });
    expect(test.status).toBe(200);
    const live = await billing.request({ method: "GET", url: "/v1/features/sso", key: LIVE_KEY });
    expect(live.status).toBe(404);
    expect(live.body.error.code).toBe("not_found");
  });

  it("names the field path of invalid input", async () => {
    const response = await billing.request({
      method: "POST",
      url: "/v1/features",
      body: { id: "x", name: "X", type: "metered", meter: { event: "m", aggregation: "sum" } },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("validation_error");
    expect(response.body.error.details.map((d: { path: string }) => d.path)).toContain("meter.property");
  });

  it("rejects unknown fields instead of ignoring them", async () => {
    const response = await billing.request({
      method: "POST",
      url: "/v1/features",
      body: { ...feature("f1"), colour: "red" },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ path: "colour", message: "unknown field" }]);
    expect((await billing.request({ method: "GET", url: "/v1/features/f1" })).status).toBe(404);
  });

  it("answers malformed JSON with 400 validation_error", async () => {
    const response = await billing.request({ method: "POST", url: "/v1/features", body: '{"id": "x",' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe("validation_error");
  });

  it("answers a body over 1 MB with 413", async () => {
    const big = { ...feature("big"), name: "x".repeat(1024 * 1024 + 10) };
    const response = await billing.request({ method: "POST", url: "/v1/features", body: big });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe("payload_too_large");
  });

  it("answers an unknown route with 404 not_found", async () => {
    const response = await billing.request({ method: "GET", url: "/v1/nothing-here" });
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe("not_found");
  });

  it("serves an OpenAPI document built from the route schemas", async () => {
    const response = await billing.request({ method: "GET", url: "/openapi.json", key: null });
    expect(response.status).toBe(200);
    expect(response.body.openapi).toMatch(/^3\./);
    expect(response.body.paths["/v1/plans"].post.requestBody).toBeDefined();
  });

  it("serves Prometheus metrics", async () => {
    const response = await billing.request({ method: "GET", url: "/metrics", key: null });
    expect(response.status).toBe(200);
    expect(String(response.body)).toContain("lumen_billing_http_requests_total");
  });
});

describe("Idempotency-Key", () => {
  it("replays the first response for a retry with the same body", async () => {
    const headers = { "idempotency-key": "create-f2" };
    const first = await billing.request({ method: "POST", url: "/v1/features", body: feature("f2"), headers });
    const second = await billing.request({ method: "POST", url: "/v1/features", body: feature("f2"), headers });
    expect(first.status).toBe(200);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(second.headers["idempotent-replayed"]).toBe("true");
    expect(first.headers["idempotent-replayed"]).toBeUndefined();
  });

  it("answers 409 idempotency_conflict for the same key with another body", async () => {
    const headers = { "idempotency-key": "create-f3" };
    await billing.request({ method: "POST", url: "/v1/features", body: feature("f3"), headers });
    const other = await billing.request({ method: "POST", url: "/v1/features", body: feature("f4"), headers });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe("idempotency_conflict");
    expect((await billing.request({ method: "GET", url: "/v1/features/f4" })).status).toBe(404);
  });

  it("never executes two concurrent requests with one key twice", async () => {
    const headers = { "idempotency-key": "race-1" };
    const body = { id: "race-customer", name: "Race" };
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => billing.request({ method: "POST", url: "/v1/customers", body, headers })),
    );
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(responses.filter((r) => r.headers["idempotent-replayed"] === "true")).toHaveLength(4);
    const { rows } = await billing.database.pool.query(
      "SELECT count(*)::int AS n FROM history WHERE type = 'customer.created' AND object_id = 'race-customer'",
    );
    expect(rows[0].n).toBe(1);
  });

  it("replays a stored 4xx as well", async () => {
    const headers = { "idempotency-key": "bad-1" };
    const first = await billing.request({ method: "POST", url: "/v1/features", body: { id: "" }, headers });
    const second = await billing.request({ method: "POST", url: "/v1/features", body: { id: "" }, headers });
    expect(first.status).toBe(400);
    expect(second.status).toBe(400);
    expect(second.headers["idempotent-replayed"]).toBe("true");
  });
});
