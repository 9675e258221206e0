import { describe, expect, it, vi } from "vitest";
import { Lumen } from "./client";
import { loadEmbeddedSidecar } from "./sidecar-embedded";
import { allowedCheck } from "./sidecar-fake.test-support";
import type { SidecarTransportRequest } from "./sidecar-transport";

const embedded = vi.hoisted(() => ({
  options: [] as unknown[],
  calls: [] as unknown[],
  closed: 0,
}));

vi.mock("@lumen/sidecar", () => ({
  async createEmbeddedSidecar(options: unknown) {
    embedded.options.push(options);
    return {
      async request(request: unknown) {
        embedded.calls.push(request);
        return { status: 200, body: allowedCheck({ customer: "embedded" }) };
      },
      async close() {
        embedded.closed++;
      },
    };
  },
}));

describe("Lumen.embedded", () => {
  it("loads @lumen/sidecar on demand, sends calls to its embedded sidecar and closes it with the client", async () => {
    const lumen = await Lumen.embedded({ sidecarUrl: "http://127.0.0.1:9", embedded: { env: "live" } });
    const check = await lumen.check({ customer: "acme", feature: "api-calls" });
    await lumen.close();

    expect(embedded.options).toEqual([{ env: "live" }]);
    expect(check.customer).toBe("embedded");
    expect((embedded.calls[0] as SidecarTransportRequest).path).toBe("/v1/check");
    expect(embedded.closed).toBe(1);
  });
});

describe("loadEmbeddedSidecar", () => {
  it("says what to install when the package is missing", async () => {
    const missing = () => Promise.reject(new Error("Cannot find package '@lumen/sidecar'"));
    await expect(loadEmbeddedSidecar({}, missing)).rejects.toThrow("Lumen.embedded needs @lumen/sidecar");
  });

  it("refuses a package without embedded mode", async () => {
    await expect(loadEmbeddedSidecar({}, async () => ({}))).rejects.toThrow("has no createEmbeddedSidecar");
  });
});
