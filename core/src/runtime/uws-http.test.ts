import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HttpServer, startHttpServer } from "./uws-http";

describe("a component's uWebSockets.js server", () => {
  let server: HttpServer;
  let base: string;

  beforeAll(async () => {
    server = await startHttpServer({ component: "ingest", host: "127.0.0.1", port: 0 });
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.close());

  it("answers /healthz with its component name", async () => {
    const response = await fetch(`${base}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.json()).toEqual({ status: "ok", component: "ingest" });
  });

  it("answers an unknown route with a not_found envelope", async () => {
    const response = await fetch(`${base}/v1/nothing-here`, { method: "POST", body: "{}" });
    expect(response.status).toBe(404);
    const body = await response.json();
    expect(body).toEqual({
      error: {
        code: "not_found",
        message: "No route POST /v1/nothing-here",
        details: [],
        requestId: expect.stringMatching(/^req_/),
      },
    });
  });

  it("refuses a port another server of ours holds, rather than sharing it", async () => {
    const port = await findFreePort();
    const first = await startHttpServer({ component: "ingest", host: "127.0.0.1", port });
    try {
      await expect(startHttpServer({ component: "ingest", host: "127.0.0.1", port })).rejects.toThrow(/cannot listen/);
    } finally {
      first.close();
    }
  });
});

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? resolve(address.port) : reject()));
    });
  });
}
