import { describe, expect, it } from "vitest";
import { Lumen } from "./client";
import { LumenConnectionError, LumenError } from "./errors";
import { allowedCheck, deadUrl, useFakeSidecar } from "./sidecar-fake.test-support";
import type { SidecarTransport, SidecarTransportRequest } from "./sidecar-transport";

const fake = useFakeSidecar();
const { lumenFor } = fake;

async function failure(promise: Promise<unknown>): Promise<LumenError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(error instanceof LumenError)) throw new Error(`expected a LumenError, got ${String(error)}`);
  return error;
}

describe("checks", () => {
  it("sends userId with customerId as {customer, user} in JSON and answers the check body", async () => {
    fake.sidecar().answer = () => ({ status: 200, body: allowedCheck({ entity: "user_42" }) });
    const lumen = lumenFor();
    const check = await lumen.check({ feature: "api-calls", userId: "user_42", customerId: "acme", quantity: 3 });

    expect(fake.sidecar().received).toHaveLength(1);
    expect(fake.sidecar().received[0]).toMatchObject({
      method: "POST",
      path: "/v1/check",
      body: { customer: "acme", user: "user_42", feature: "api-calls", quantity: 3 },
    });
    expect(fake.sidecar().received[0]!.headers["content-type"]).toBe("application/json");
    expect(check).toEqual(allowedCheck({ entity: "user_42" }));
  });

  it("isFeatureEntitled is the check's allowed, asked with userId alone", async () => {
    fake.sidecar().answer = () => ({ status: 200, body: allowedCheck({ allowed: false, reason: "limit_reached" }) });
    const lumen = lumenFor();
    expect(await lumen.isFeatureEntitled({ feature: "advanced-analytics", userId: "user_42" })).toBe(false);
    expect(fake.sidecar().received[0]!.body).toEqual({ user: "user_42", feature: "advanced-analytics" });
  });

  it("sends the secret key as a Bearer token when given", async () => {
    const lumen = lumenFor({ secretKey: "lum_sk_test_abc" });
    await lumen.check({ customer: "acme", feature: "api-calls" });
    expect(fake.sidecar().received[0]!.headers.authorization).toBe("Bearer lum_sk_test_abc");
  });

  it("throws a typed LumenError on a 400, without retrying", async () => {
    fake.sidecar().answer = () => ({
      status: 400,
      body: {
        error: {
          code: "validation_error",
          message: "Invalid feature: is required",
          details: [{ path: "feature", message: "is required" }],
          requestId: "req_1",
        },
      },
    });
    const error = await failure(lumenFor().check({ customer: "acme", feature: "" }));
    expect(error).toMatchObject({
      code: "validation_error",
      status: 400,
      details: [{ path: "feature", message: "is required" }],
      requestId: "req_1",
    });
    expect(fake.sidecar().received).toHaveLength(1);
  });

  it("refuses customer and customerId that differ before sending anything", async () => {
    const error = await failure(lumenFor().check({ customer: "acme", customerId: "beta", feature: "api-calls" }));
    expect(error.code).toBe("validation_error");
    expect(fake.sidecar().received).toHaveLength(0);
  });

  it("retries a 503 and answers what the sidecar then says", async () => {
    fake.sidecar().answer = (_, index) =>
      index === 0 ? { status: 503, body: {} } : { status: 200, body: allowedCheck() };
    const check = await lumenFor().check({ customer: "acme", feature: "api-calls" });
    expect(check.allowed).toBe(true);
    expect(check.fallback).toBeUndefined();
    expect(fake.sidecar().received).toHaveLength(2);
  });
});

describe("when the sidecar cannot be reached", () => {
  it("denies by default (fail closed), says so in the body and tells onError", async () => {
    const errors: { error: LumenError; operation: string }[] = [];
    const lumen = new Lumen({
      sidecarUrl: await deadUrl(),
      sidecarMaxRetries: 1,
      onError: (error, { operation }) => errors.push({ error, operation }),
    });
    const check = await lumen.check({ userId: "user_42", customerId: "acme", feature: "api-calls" });

    expect(check).toMatchObject({
      allowed: false,
      customer: "acme",
      entity: "user_42",
      feature: "api-calls",
      reason: "sidecar_unavailable",
      fallback: true,
      balance: null,
    });
    expect(await lumen.isFeatureEntitled({ userId: "acme", feature: "api-calls" })).toBe(false);
    expect(errors.map(({ operation }) => operation)).toEqual(["check", "check"]);
    expect(errors[0]!.error).toBeInstanceOf(LumenConnectionError);
  });

  it("allows when configured to fail open, and a call may choose otherwise", async () => {
    const lumen = new Lumen({ sidecarUrl: await deadUrl(), sidecarMaxRetries: 0, onSidecarUnavailable: "allow" });
    expect(await lumen.isFeatureEntitled({ userId: "acme", feature: "api-calls" })).toBe(true);
    const consumed = await lumen.consume({ customer: "acme", feature: "api-calls" }, { onSidecarUnavailable: "deny" });
    expect(consumed).toMatchObject({ allowed: false, reason: "sidecar_unavailable", fallback: true });
  });

  it("applies the policy to a sidecar that answers 503 to every try", async () => {
    fake.sidecar().answer = () => ({
      status: 503,
      body: { error: { code: "unavailable", message: "no owner", details: [] } },
    });
    const check = await lumenFor().consume({ customer: "acme", feature: "api-calls" });
    expect(check).toMatchObject({ allowed: false, fallback: true });
    expect(fake.sidecar().received).toHaveLength(3);
  });

  it("tracks the usage of a consume it allowed under the consume's key, so it counts exactly once", async () => {
    fake.sidecar().answer = (request) =>
      request.path === "/v1/consume" ? { status: 503, body: {} } : { status: 202, body: { queued: 1 } };
    const lumen = lumenFor({ onSidecarUnavailable: "allow", sidecarMaxRetries: 0 });
    const check = await lumen.consume({ customer: "acme", userId: "user_42", feature: "api-calls", quantity: 3 });
    await lumen.flush();

    const consumed = fake.sidecar().received[0]!.body as { idempotencyKey: string };
    expect(check).toMatchObject({ allowed: true, fallback: true });
    expect(fake.sidecar().tracked()).toEqual([
      { customer: "acme", feature: "api-calls", entity: "user_42", value: 3, idempotencyKey: consumed.idempotencyKey },
    ]);
  });

  it("applies the policy when a transport never answers within sidecarTimeoutMs", async () => {
    const silent: SidecarTransport = { request: () => new Promise(() => {}) };
    const lumen = lumenFor({ sidecar: silent, sidecarTimeoutMs: 20, sidecarMaxRetries: 1 });
    const started = Date.now();
    expect(await lumen.check({ customer: "acme", feature: "api-calls" })).toMatchObject({ fallback: true });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it("throws for calls without a policy: usage and reservations", async () => {
    const lumen = new Lumen({ sidecarUrl: await deadUrl(), sidecarMaxRetries: 0 });
    expect(await failure(lumen.getUsage({ userId: "acme" }))).toBeInstanceOf(LumenConnectionError);
    expect(await failure(lumen.reserve({ customer: "acme", feature: "tokens", quantity: 5 }))).toBeInstanceOf(
      LumenConnectionError,
    );
  });

  it("rejects with the caller's reason when the call is aborted", async () => {
    const silent: SidecarTransport = { request: () => new Promise(() => {}) };
    const controller = new AbortController();
    const checking = lumenFor({ sidecar: silent }).check(
      { customer: "acme", feature: "api-calls" },
      { signal: controller.signal },
    );
    controller.abort(new Error("user went away"));
    await expect(checking).rejects.toThrow("user went away");
  });
});

describe("consume", () => {
  it("carries one idempotency key across its retries", async () => {
    fake.sidecar().answer = (_, index) => (index === 0 ? "drop" : { status: 200, body: allowedCheck() });
    const check = await lumenFor().consume({ customer: "acme", feature: "api-calls", quantity: 2 });

    expect(check.allowed).toBe(true);
    const [first, second] = fake.sidecar().received.map((request) => request.body as Record<string, unknown>);
    expect(fake.sidecar().received.map((request) => request.path)).toEqual(["/v1/consume", "/v1/consume"]);
    expect(first).toMatchObject({ customer: "acme", feature: "api-calls", quantity: 2 });
    expect(typeof first!.idempotencyKey).toBe("string");
    expect(second!.idempotencyKey).toBe(first!.idempotencyKey);
  });

  it("sends the caller's idempotency key", async () => {
    await lumenFor().consume({ userId: "user_42", feature: "api-calls", idempotencyKey: "job_7" });
    expect(fake.sidecar().received[0]!.body).toEqual({
      user: "user_42",
      feature: "api-calls",
      idempotencyKey: "job_7",
    });
  });
});

describe("usage and reservations", () => {
  it("getUsage asks for the user's id, encoded in the path", async () => {
    fake.sidecar().answer = () => ({ status: 200, body: { customer: "acme", features: [] } });
    const usage = await lumenFor().getUsage({ userId: "user:42" });
    expect(fake.sidecar().received[0]).toMatchObject({ method: "GET", path: "/v1/customers/user%3A42/usage" });
    expect(usage).toEqual({ customer: "acme", features: [] });
  });

  it("reserve, commit and release reach their routes with their bodies", async () => {
    fake.sidecar().answer = (request) => {
      if (request.path === "/v1/reservations") {
        return {
          status: 200,
          body: {
            id: "rsv_1",
            allowed: true,
            expiresAt: "2026-01-10T00:05:00.000Z",
            customer: "acme",
            feature: "tokens",
            entity: null,
            quantity: 4000,
            check: allowedCheck({ feature: "tokens" }),
          },
        };
      }
      if (request.path.endsWith("/commit")) {
        return { status: 200, body: { id: "rsv_1", status: "committed", check: allowedCheck() } };
      }
      return { status: 200, body: { id: "rsv_1", status: "released" } };
    };
    const lumen = lumenFor();
    const reservation = await lumen.reserve({ customer: "acme", feature: "tokens", quantity: 4000, ttlSeconds: 120 });
    const committed = await lumen.commitReservation(reservation.id, { quantity: 3712 });
    const released = await lumen.releaseReservation("rsv_1");

    expect(fake.sidecar().received.map(({ path, body }) => ({ path, body }))).toEqual([
      { path: "/v1/reservations", body: { customer: "acme", feature: "tokens", quantity: 4000, ttlSeconds: 120 } },
      { path: "/v1/reservations/rsv_1/commit", body: { quantity: 3712 } },
      { path: "/v1/reservations/rsv_1/release", body: {} },
    ]);
    expect(reservation.allowed).toBe(true);
    expect(committed.status).toBe("committed");
    expect(released.status).toBe("released");
  });

  it("does not resend a reservation whose connection dropped: it may have been held", async () => {
    fake.sidecar().answer = () => "drop";
    const error = await failure(lumenFor().reserve({ customer: "acme", feature: "tokens", quantity: 5 }));
    expect(error).toBeInstanceOf(LumenConnectionError);
    expect(fake.sidecar().received).toHaveLength(1);
  });

  it("resends a reservation that was refused a connection: it never arrived", async () => {
    const calls: SidecarTransportRequest[] = [];
    const transport: SidecarTransport = {
      async request(request) {
        calls.push(request);
        if (calls.length === 1) throw new TypeError("fetch failed", { cause: { code: "ECONNREFUSED" } });
        return { status: 200, body: { id: "rsv_2", allowed: true } };
      },
    };
    const reservation = await lumenFor({ sidecar: transport }).reserve({
      customer: "acme",
      feature: "tokens",
      quantity: 5,
    });
    expect(reservation.id).toBe("rsv_2");
    expect(calls).toHaveLength(2);
  });
});

describe("embedded mode", () => {
  it("a transport given as `sidecar` answers every call instead of HTTP", async () => {
    const calls: SidecarTransportRequest[] = [];
    const transport: SidecarTransport = {
      async request(request) {
        calls.push(request);
        if (request.path === "/v1/track") return { status: 202, body: { queued: 1 } };
        return { status: 200, body: allowedCheck({ customer: "in-process" }) };
      },
    };
    const lumen = lumenFor({ sidecar: transport });
    const check = await lumen.check({ customer: "acme", feature: "api-calls" });
    lumen.track({ customer: "acme", feature: "api-calls" });
    await lumen.flush();

    expect(check.customer).toBe("in-process");
    expect(calls.map(({ method, path }) => `${method} ${path}`)).toEqual(["POST /v1/check", "POST /v1/track"]);
    expect(calls[0]!.body).toEqual({ customer: "acme", feature: "api-calls" });
    expect(fake.sidecar().received).toHaveLength(0);
  });
});
