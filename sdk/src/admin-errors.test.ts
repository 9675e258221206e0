import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LIVE_KEY, startTestBilling, TEST_KEY, type TestBilling } from "../../test/support/billing";
import { Lumen } from "./client";
import { LumenConnectionError, LumenError } from "./errors";
import type { FetchLike } from "./transport";
import type { CreateFeatureParams } from "./types";

/** How the real billing API's answers surface through the SDK: typed errors, and idempotency. */

let billing: TestBilling;
let apiUrl: string;
let lumen: Lumen;
let calls = 0;

const countingFetch: FetchLike = (url, init) => {
  calls++;
  return fetch(url, init);
};

async function failure(promise: Promise<unknown>): Promise<LumenError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof LumenError)) throw new Error(`expected a LumenError, got ${String(error)}`);
  return error;
}

beforeAll(async () => {
  billing = await startTestBilling();
  await billing.app.listen({ port: 0, host: "127.0.0.1" });
  apiUrl = `http://127.0.0.1:${(billing.app.server.address() as AddressInfo).port}`;
  lumen = new Lumen({ apiUrl, secretKey: TEST_KEY, fetch: countingFetch });
});
afterAll(async () => {
  await billing.close();
});

describe("errors from the billing API", () => {
  it("exposes a 400's code and the path of each bad field, without retrying", async () => {
    calls = 0;
    const error = await failure(
      lumen.admin.plans.create({
        id: "bad",
        name: "Bad",
        currency: "USD",
        items: [{ type: "feature", feature: "x", included: -1 }],
      }),
    );
    expect(error).toMatchObject({ code: "validation_error", status: 400 });
    expect(error.details[0]?.path).toBe("items.0.included");
    expect(error.requestId).toMatch(/^req_/);
    expect(calls).toBe(1);
  });

  it("names an unknown field in the details", async () => {
    const params = { id: "f", name: "F", type: "boolean", colour: "red" } as CreateFeatureParams;
    const error = await failure(lumen.admin.features.create(params));
    expect(error.code).toBe("validation_error");
    expect(error.details).toEqual([{ path: "colour", message: "unknown field" }]);
  });

  it("answers not_found with status 404", async () => {
    const error = await failure(lumen.admin.customers.get("nobody"));
    expect(error).toMatchObject({ code: "not_found", status: 404 });
    expect(error.message).toContain("nobody");
  });

  it("answers unauthorized with status 401 for a bad key", async () => {
    const stranger = new Lumen({ apiUrl, secretKey: "lum_sk_test_notarealkey000000000000000" });
    const error = await failure(stranger.admin.features.list());
    expect(error).toMatchObject({ code: "unauthorized", status: 401 });
  });

  it("answers conflict with status 409 for a taken id", async () => {
    await lumen.admin.features.create({ id: "sso", name: "SSO", type: "boolean" });
    const error = await failure(lumen.admin.features.create({ id: "sso", name: "SSO", type: "boolean" }));
    expect(error).toMatchObject({ code: "conflict", status: 409 });
  });

  it("answers forbidden for test clocks with a live key, and not_found for the test environment's data", async () => {
    const live = new Lumen({ apiUrl, secretKey: LIVE_KEY });
    expect(await failure(live.admin.testClocks.list())).toMatchObject({ code: "forbidden", status: 403 });
    expect(await failure(live.admin.features.get("sso"))).toMatchObject({ code: "not_found", status: 404 });
  });

  it("throws a LumenConnectionError when nothing listens", async () => {
    const nowhere = new Lumen({ apiUrl: "http://127.0.0.1:1", secretKey: TEST_KEY, maxRetries: 0 });
    const error = await failure(nowhere.admin.features.list());
    expect(error).toBeInstanceOf(LumenConnectionError);
    expect(error).toMatchObject({ code: "connection_error", status: 0 });
  });
});

describe("idempotency keys", () => {
  it("replays a POST repeated with the same key instead of running it twice", async () => {
    const first = await lumen.admin.customers.create({ id: "once" }, { idempotencyKey: "create-once" });
    const again = await lumen.admin.customers.create({ id: "once" }, { idempotencyKey: "create-once" });
    expect(again).toEqual(first);
    const created = (await lumen.admin.customers.history("once")).data.filter((e) => e.type === "customer.created");
    expect(created).toHaveLength(1);
  });

  it("refuses the same key with another body", async () => {
    await lumen.admin.customers.create({ id: "k1" }, { idempotencyKey: "reused" });
    const error = await failure(lumen.admin.customers.create({ id: "k2" }, { idempotencyKey: "reused" }));
    expect(error).toMatchObject({ code: "idempotency_conflict", status: 409 });
  });
});
