import { afterEach, describe, expect, it, vi } from "vitest";
import { Lumen } from "./client";
import { LumenConnectionError, LumenError } from "./errors";
import type { FetchLike } from "./transport";

type Answer = Response | Error | ((init: RequestInit) => Promise<Response>);

/** A fetch that answers from a script and records what it was asked. */
function scriptedFetch(...answers: Answer[]) {
  const calls: { url: string; method: string; headers: Record<string, string>; body: string | undefined }[] = [];
  const fetch: FetchLike = async (url, init) => {
    calls.push({
      url,
      method: init.method ?? "GET",
      headers: { ...(init.headers as Record<string, string>) },
      body: init.body as string | undefined,
    });
    const answer = answers.shift();
    if (answer === undefined) throw new Error("the script has no more answers");
    if (answer instanceof Error) throw answer;
    if (typeof answer === "function") return answer(init);
    return answer;
  };
  return { fetch, calls };
}

function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });
}

const feature = { id: "sso", name: "SSO", type: "boolean" } as const;
const errorBody = (code: string, message = "m") => ({ error: { code, message, details: [], requestId: "req_x" } });

function client(fetch: FetchLike, options: { maxRetries?: number; timeoutMs?: number } = {}) {
  return new Lumen({ apiUrl: "http://lumen.test/", secretKey: "lum_sk_test_abc", fetch, ...options });
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("requests", () => {
  it("sends JSON with the secret key to the API url", async () => {
    const { fetch, calls } = scriptedFetch(json(200, { ...feature }));
    await client(fetch).admin.features.create(feature);
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call?.url).toBe("http://lumen.test/v1/features");
    expect(call?.method).toBe("POST");
    expect(call?.headers.authorization).toBe("Bearer lum_sk_test_abc");
    expect(call?.headers["content-type"]).toBe("application/json");
    expect(JSON.parse(call?.body ?? "")).toEqual(feature);
  });

  it("encodes ids in paths and drops undefined query values", async () => {
    const { fetch, calls } = scriptedFetch(json(200, { data: [], hasMore: false }), json(200, {}));
    const lumen = client(fetch);
    await lumen.admin.entities.list("acme/eu", { limit: 5, startingAfter: undefined });
    await lumen.admin.customers.entitlements("a@b", { at: new Date("2026-02-03T00:00:00Z") });
    expect(calls.map((call) => call.url)).toEqual([
      "http://lumen.test/v1/customers/acme%2Feu/entities?limit=5",
      "http://lumen.test/v1/customers/a%40b/entitlements?at=2026-02-03T00%3A00%3A00.000Z",
    ]);
  });

  it("sends no body and no content type on a POST without parameters", async () => {
    const { fetch, calls } = scriptedFetch(json(200, {}));
    await client(fetch).admin.subscriptions.resume("sub_1");
    expect(calls[0]?.body).toBeUndefined();
    expect(calls[0]?.headers["content-type"]).toBeUndefined();
    expect(calls[0]?.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("reads the secret key from LUMEN_API_KEY when it holds one key", async () => {
    vi.stubEnv("LUMEN_API_KEY", "lum_sk_live_fromenv");
    const { fetch, calls } = scriptedFetch(json(200, {}), json(200, {}));
    await new Lumen({ fetch }).admin.auditLog.verify();
    vi.stubEnv("LUMEN_API_KEY", "lum_sk_test_a,lum_sk_live_b");
    await new Lumen({ fetch }).admin.auditLog.verify();
    expect(calls[0]?.url).toBe("http://127.0.0.1:8080/v1/audit-log/verify");
    expect(calls[0]?.headers.authorization).toBe("Bearer lum_sk_live_fromenv");
    expect(calls[1]?.headers.authorization).toBeUndefined();
  });

  it("rejects nonsense options at construction", () => {
    expect(() => new Lumen({ maxRetries: -1 })).toThrow(RangeError);
    expect(() => new Lumen({ timeoutMs: 0 })).toThrow(RangeError);
  });
});

describe("retries", () => {
  it("retries a 503 and sends the same Idempotency-Key both times", async () => {
    const { fetch, calls } = scriptedFetch(json(503, errorBody("internal")), json(200, { ...feature }));
    const created = await client(fetch).admin.features.create(feature);
    expect(created.id).toBe("sso");
    expect(calls).toHaveLength(2);
    const [first, second] = calls;
    expect(first?.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(second?.headers["idempotency-key"]).toBe(first?.headers["idempotency-key"]);
    expect(second?.body).toBe(first?.body);
  });

  it("gives every call its own key and uses the caller's when given", async () => {
    const { fetch, calls } = scriptedFetch(json(200, {}), json(200, {}), json(503, {}), json(200, {}));
    const lumen = client(fetch);
    await lumen.admin.features.archive("a");
    await lumen.admin.features.archive("b");
    await lumen.admin.features.archive("c", { idempotencyKey: "archive-c-once" });
    const keys = calls.map((call) => call.headers["idempotency-key"]);
    expect(keys[0]).not.toBe(keys[1]);
    expect(keys.slice(2)).toEqual(["archive-c-once", "archive-c-once"]);
  });

  it("retries a network error, then succeeds", async () => {
    const { fetch, calls } = scriptedFetch(new TypeError("fetch failed"), json(200, { ...feature }));
    await expect(client(fetch).admin.features.get("sso")).resolves.toMatchObject({ id: "sso" });
    expect(calls).toHaveLength(2);
  });

  it("does not retry a 400", async () => {
    const { fetch, calls } = scriptedFetch(json(400, errorBody("validation_error")), json(200, {}));
    await expect(client(fetch).admin.features.create(feature)).rejects.toMatchObject({
      code: "validation_error",
      status: 400,
    });
    expect(calls).toHaveLength(1);
  });

  it("retries PUT, PATCH and DELETE without an Idempotency-Key", async () => {
    const { fetch, calls } = scriptedFetch(json(500, {}), json(200, {}), json(502, {}), json(200, {}));
    const lumen = client(fetch);
    await lumen.admin.features.update("sso", { name: "Single sign-on" });
    await lumen.admin.customers.delete("acme");
    expect(calls.map((call) => call.method)).toEqual(["PATCH", "PATCH", "DELETE", "DELETE"]);
    expect(calls.every((call) => call.headers["idempotency-key"] === undefined)).toBe(true);
  });

  it("honours Retry-After on a 429", async () => {
    const { fetch, calls } = scriptedFetch(json(429, errorBody("rate_limited"), { "retry-after": "1" }), json(200, {}));
    const started = Date.now();
    await client(fetch).admin.auditLog.verify();
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(calls).toHaveLength(2);
  });

  it("gives up at once when Retry-After asks for more than a minute", async () => {
    const { fetch, calls } = scriptedFetch(json(429, errorBody("rate_limited"), { "retry-after": "3600" }));
    await expect(client(fetch).admin.auditLog.verify()).rejects.toMatchObject({ code: "rate_limited", status: 429 });
    expect(calls).toHaveLength(1);
  });

  it("answers the last error after maxRetries retries", async () => {
    const { fetch, calls } = scriptedFetch(json(503, {}), json(503, {}), json(503, errorBody("internal", "down")));
    const error = await client(fetch, { maxRetries: 2 })
      .admin.customers.get("acme")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LumenError);
    expect(error).toMatchObject({ code: "internal", status: 503, message: "down", requestId: "req_x" });
    expect(calls).toHaveLength(3);
  });

  it("turns a network failure that outlasts the retries into a LumenConnectionError", async () => {
    const cause = new TypeError("fetch failed");
    const { fetch } = scriptedFetch(cause);
    const error = await client(fetch, { maxRetries: 0 })
      .admin.customers.get("acme")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LumenConnectionError);
    expect(error).toMatchObject({ code: "connection_error", status: 0, cause });
  });

  it("times out an attempt that gets no answer, and retries it", async () => {
    const hang = (init: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    const { fetch, calls } = scriptedFetch(hang, json(200, { id: "acme" }));
    await expect(client(fetch, { timeoutMs: 50 }).admin.customers.get("acme")).resolves.toMatchObject({ id: "acme" });
    expect(calls).toHaveLength(2);
    const { fetch: hangs } = scriptedFetch(hang);
    await expect(client(hangs, { timeoutMs: 50, maxRetries: 0 }).admin.customers.get("acme")).rejects.toThrow(
      /within 50 ms/,
    );
  });

  it("stops at once when the caller aborts, with the caller's reason", async () => {
    const controller = new AbortController();
    const { fetch, calls } = scriptedFetch(json(503, {}), json(200, {}));
    const call = client(fetch).admin.customers.get("acme", { signal: controller.signal });
    setTimeout(() => controller.abort(new Error("user went away")), 20);
    await expect(call).rejects.toThrow("user went away");
    expect(calls).toHaveLength(1);
  });

  it("rejects a 2xx whose body is not JSON without retrying", async () => {
    const { fetch, calls } = scriptedFetch(new Response("<html>", { status: 200 }));
    await expect(client(fetch).admin.customers.get("acme")).rejects.toMatchObject({ code: "internal", status: 200 });
    expect(calls).toHaveLength(1);
  });
});
