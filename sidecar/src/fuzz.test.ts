import { encodeMessage } from "@lumen/core";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type SidecarFixture, startSidecarFixture } from "./testing/sidecar-fixture";

const ENDPOINTS = [
  ["POST", "/v1/check"],
  ["POST", "/v1/consume"],
  ["POST", "/v1/track"],
  ["POST", "/v1/reservations"],
  ["POST", "/v1/reservations/rsv_x/commit"],
  ["POST", "/v1/reservations/rsv_x/release"],
  ["GET", "/v1/customers/acme/usage"],
] as const;

describe("random bodies to every sidecar endpoint", () => {
  let fixture: SidecarFixture;
  beforeAll(async () => {
    // No owner runs: a well-formed consume or reservation is a 503 (a dependency is away), never a 500.
    fixture = await startSidecarFixture({ ownerTimeoutMs: 50 });
  });
  afterAll(async () => {
    await fixture?.dispose();
  });

  const send = async (method: string, path: string, body: Uint8Array | string, contentType: string) => {
    const response = await fetch(`${fixture.url}${path}`, {
      method,
      headers: { "content-type": contentType },
      body: method === "GET" ? undefined : body,
    });
    await response.arrayBuffer();
    return response.status;
  };

  it("answers random JSON with a 4xx (or a 2xx/503), never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ENDPOINTS), fc.jsonValue(), async ([method, path], value) => {
        const status = await send(method, path, JSON.stringify(value), "application/json");
        expect(status === 500 || status > 503).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it("answers random bytes and random MessagePack with a 4xx, never a 500", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ENDPOINTS),
        fc.oneof(
          fc.uint8Array({ maxLength: 200 }),
          fc.anything().map((value) => encodeMessage(value)),
        ),
        fc.constantFrom("application/msgpack", "application/json"),
        async ([method, path], bytes, contentType) => {
          const status = await send(method, path, bytes, contentType);
          expect(status === 500 || status > 503).toBe(false);
        },
      ),
      { numRuns: 150 },
    );
  });
});
