import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HealthServer, startHealthServer } from "./health";

describe("aggregator health server", () => {
  let server: HealthServer;
  let base: string;

  beforeAll(async () => {
    server = await startHealthServer({ host: "127.0.0.1", port: 0 });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.close());

  it("answers /healthz with its component name", async () => {
    const response = await fetch(`${base}/healthz?verbose=1`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok", component: "aggregator" });
  });

  it("answers anything else with a not_found envelope", async () => {
    const response = await fetch(`${base}/metrics`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      error: { code: "not_found", message: "No route GET /metrics", details: [], requestId: expect.any(String) },
    });
  });

  it("serves /metrics when given", async () => {
    const withMetrics = await startHealthServer({
      host: "127.0.0.1",
      port: 0,
      metrics: async () => ({ contentType: "text/plain; version=0.0.4", body: "lumen_up 1\n" }),
    });
    try {
      const response = await fetch(`http://127.0.0.1:${withMetrics.port}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("lumen_up 1\n");
    } finally {
      await withMetrics.close();
    }
  });

  it("refuses to start on a port that is taken", async () => {
    await expect(startHealthServer({ host: "127.0.0.1", port: server.port })).rejects.toThrow(/cannot listen/);
  });
});
