import { describe, expect, it } from "vitest";
import { useSeededBilling } from "../../../test/support/seeded-billing";

const session = useSeededBilling();
const { call, ok } = session;

/** A customer living on a test clock at `frozenTime`. */
async function customerAt(id: string, frozenTime: string) {
  const clock = await ok("POST", "/v1/test-clocks", { frozenTime });
  await ok("POST", "/v1/customers", { id, testClock: clock.id });
  return clock.id as string;
}

const paths = (response: { body: { error: { details: { path: string }[] } } }) =>
  response.body.error.details.map((detail) => detail.path).sort();

describe("grants", () => {
  it("creates a grant at the customer's time, with defaults, and records grant.created", async () => {
    await customerAt("granted", "2030-01-01T00:00:00Z");
    const grant = await ok("POST", "/v1/customers/granted/grants", {
      feature: "api-calls",
      amount: 500.5,
      expiresAt: "2030-06-01T00:00:00Z",
      reason: "promo",
    });
    expect(grant).toEqual({
      id: expect.stringMatching(/^grt_/),
      customer: "granted",
      feature: "api-calls",
      amount: 500.5,
      priority: 0,
      expiresAt: "2030-06-01T00:00:00.000Z",
      reason: "promo",
      createdAt: "2030-01-01T00:00:00.000Z",
      voidedAt: null,
    });
    const history = await ok("GET", "/v1/customers/granted/history");
    const created = history.data.find((entry: { type: string }) => entry.type === "grant.created");
    expect(created).toMatchObject({ object: { type: "grant", id: grant.id }, before: null, after: grant });
  });

  it("names the field of each invalid value", async () => {
    await ok("POST", "/v1/customers", { id: "picky" });
    const cases: [unknown, string[]][] = [
      [{ feature: "api-calls", amount: 0 }, ["amount"]],
      [{ feature: "api-calls", amount: -5 }, ["amount"]],
      [{ feature: "api-calls", amount: "5" }, ["amount"]],
      [{ feature: "api-calls" }, ["amount"]],
      [{ feature: "api-calls", amount: 5, priority: 1.5 }, ["priority"]],
      [{ feature: "api-calls", amount: 5, expiresAt: "tomorrow" }, ["expiresAt"]],
      [{ feature: "api-calls", amount: 5, colour: "red" }, ["colour"]],
      [{ feature: "not an id!", amount: 5 }, ["feature"]],
    ];
    for (const [body, expected] of cases) {
      const response = await call("POST", "/v1/customers/picky/grants", body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe("validation_error");
      expect(paths(response), JSON.stringify(body)).toEqual(expected);
    }
  });

  it("refuses a grant of a boolean feature", async () => {
    await ok("POST", "/v1/customers", { id: "boolean-grant" });
    const response = await call("POST", "/v1/customers/boolean-grant/grants", {
      feature: "advanced-analytics",
      amount: 1,
    });
    expect(response.status).toBe(400);
    expect(paths(response)).toEqual(["feature"]);
  });

  it("answers 404 for an unknown customer or feature", async () => {
    const customer = await call("POST", "/v1/customers/nobody/grants", { feature: "api-calls", amount: 1 });
    expect([customer.status, customer.body.error.code]).toEqual([404, "not_found"]);
    await ok("POST", "/v1/customers", { id: "unknown-feature" });
    const feature = await call("POST", "/v1/customers/unknown-feature/grants", { feature: "nothing", amount: 1 });
    expect([feature.status, feature.body.error.message]).toEqual([404, "No feature with id 'nothing'"]);
    expect((await call("GET", "/v1/customers/nobody/grants")).status).toBe(404);
  });

  it("judges expiresAt by the customer's clock, not the wall clock", async () => {
    await customerAt("future", "2030-01-01T00:00:00Z");
    const past = await call("POST", "/v1/customers/future/grants", {
      feature: "api-calls",
      amount: 1,
      expiresAt: "2029-12-31T23:59:59Z",
    });
    expect(past.status).toBe(400);
    expect(paths(past)).toEqual(["expiresAt"]);
    await customerAt("past", "2020-01-01T00:00:00Z");
    const ahead = await call("POST", "/v1/customers/past/grants", {
      feature: "api-calls",
      amount: 1,
      expiresAt: "2020-02-01T00:00:00Z",
    });
    expect(ahead.status).toBe(200);
  });

  it("lists grants oldest first, page by page", async () => {
    const clock = await customerAt("listed", "2030-01-01T00:00:00Z");
    const ids: string[] = [];
    for (const [index, frozenTime] of [
      "2030-01-02T00:00:00Z",
      "2030-01-03T00:00:00Z",
      "2030-01-04T00:00:00Z",
    ].entries()) {
      await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime });
      ids.push((await ok("POST", "/v1/customers/listed/grants", { feature: "api-calls", amount: index + 1 })).id);
    }
    const first = await ok("GET", "/v1/customers/listed/grants?limit=2");
    expect(first.data.map((grant: { id: string }) => grant.id)).toEqual(ids.slice(0, 2));
    expect(first.hasMore).toBe(true);
    const rest = await ok("GET", `/v1/customers/listed/grants?limit=2&startingAfter=${ids[1]}`);
    expect(rest).toEqual({ data: [expect.objectContaining({ id: ids[2], amount: 3 })], hasMore: false });
    expect((await call("GET", "/v1/customers/listed/grants?startingAfter=grt_nope")).status).toBe(400);
  });

  it("lists grants made at one instant of a test clock in the order they were made", async () => {
    await customerAt("frozen", "2030-01-01T00:00:00Z");
    const ids: string[] = [];
    for (let amount = 1; amount <= 6; amount++) {
      ids.push((await ok("POST", "/v1/customers/frozen/grants", { feature: "api-calls", amount })).id);
    }
    const listed = await ok("GET", "/v1/customers/frozen/grants");
    expect(listed.data.map((grant: { id: string }) => grant.id)).toEqual(ids);
  });

  it("voids a grant once, at the customer's time, and records grant.voided", async () => {
    const clock = await customerAt("voided", "2030-01-01T00:00:00Z");
    const grant = await ok("POST", "/v1/customers/voided/grants", { feature: "premium-messages", amount: 10 });
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2030-01-05T00:00:00Z" });
    const voided = await ok("POST", `/v1/customers/voided/grants/${grant.id}/void`);
    expect(voided).toEqual({ ...grant, voidedAt: "2030-01-05T00:00:00.000Z" });
    const again = await call("POST", `/v1/customers/voided/grants/${grant.id}/void`);
    expect([again.status, again.body.error.code]).toEqual([409, "conflict"]);
    const history = await ok("GET", "/v1/customers/voided/history");
    const entry = history.data.find((item: { type: string }) => item.type === "grant.voided");
    expect(entry).toMatchObject({ before: { voidedAt: null }, after: { voidedAt: "2030-01-05T00:00:00.000Z" } });
    expect((await call("POST", "/v1/customers/voided/grants/grt_missing/void")).status).toBe(404);
    expect((await call("POST", `/v1/customers/voided/grants/${grant.id}/void`, { reason: "x" })).status).toBe(400);
  });

  it("refuses to void a grant that already expired", async () => {
    const clock = await customerAt("expired", "2030-01-01T00:00:00Z");
    const grant = await ok("POST", "/v1/customers/expired/grants", {
      feature: "api-calls",
      amount: 10,
      expiresAt: "2030-01-02T00:00:00Z",
    });
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2030-01-03T00:00:00Z" });
    expect((await call("POST", `/v1/customers/expired/grants/${grant.id}/void`)).status).toBe(409);
  });

  it("replays a retried create with the same Idempotency-Key instead of granting twice", async () => {
    await ok("POST", "/v1/customers", { id: "retried" });
    const send = (amount: number) =>
      session.billing.request({
        method: "POST",
        url: "/v1/customers/retried/grants",
        body: { feature: "api-calls", amount },
        headers: { "idempotency-key": "grant-once" },
      });
    const first = await send(5);
    const retry = await send(5);
    expect(retry.status).toBe(200);
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(retry.body).toEqual(first.body);
    expect((await ok("GET", "/v1/customers/retried/grants")).data).toHaveLength(1);
    expect((await send(6)).status).toBe(409);
  });
});
