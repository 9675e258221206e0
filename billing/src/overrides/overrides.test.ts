import { describe, expect, it } from "vitest";
import { useSeededBilling } from "../../../test/support/seeded-billing";

const session = useSeededBilling();
const { call, ok } = session;

const paths = (response: { body: { error: { details: { path: string }[] } } }) =>
  response.body.error.details.map((detail) => detail.path).sort();

describe("overrides", () => {
  it("sets, replaces and deletes one override per feature, keeping every version in history", async () => {
    const clock = await ok("POST", "/v1/test-clocks", { frozenTime: "2030-01-01T00:00:00Z" });
    await ok("POST", "/v1/customers", { id: "trialist", testClock: clock.id });
    const set = await ok("PUT", "/v1/customers/trialist/overrides/api-calls", {
      enabled: true,
      included: "unlimited",
      expiresAt: "2030-01-15T00:00:00Z",
    });
    expect(set).toEqual({
      customer: "trialist",
      feature: "api-calls",
      enabled: true,
      included: "unlimited",
      expiresAt: "2030-01-15T00:00:00.000Z",
      createdAt: "2030-01-01T00:00:00.000Z",
      updatedAt: "2030-01-01T00:00:00.000Z",
    });
    await ok("POST", `/v1/test-clocks/${clock.id}/advance`, { frozenTime: "2030-01-02T00:00:00Z" });
    const replaced = await ok("PUT", "/v1/customers/trialist/overrides/api-calls", { enabled: true, included: 250 });
    expect(replaced).toMatchObject({
      included: 250,
      expiresAt: null,
      createdAt: "2030-01-01T00:00:00.000Z",
      updatedAt: "2030-01-02T00:00:00.000Z",
    });
    await ok("PUT", "/v1/customers/trialist/overrides/advanced-analytics", { enabled: false });
    const list = await ok("GET", "/v1/customers/trialist/overrides");
    expect(list.data.map((override: { feature: string }) => override.feature)).toEqual([
      "advanced-analytics",
      "api-calls",
    ]);
    const page = await ok("GET", "/v1/customers/trialist/overrides?limit=1&startingAfter=advanced-analytics");
    expect(page).toEqual({ data: [replaced], hasMore: false });

    expect(await ok("DELETE", "/v1/customers/trialist/overrides/api-calls")).toEqual({
      customer: "trialist",
      feature: "api-calls",
      deleted: true,
    });
    const again = await call("DELETE", "/v1/customers/trialist/overrides/api-calls");
    expect([again.status, again.body.error.code]).toEqual([404, "not_found"]);

    const history = (await ok("GET", "/v1/customers/trialist/history")).data.filter((entry: { type: string }) =>
      entry.type.startsWith("override."),
    );
    expect(history.map((entry: { type: string; object: { id: string } }) => [entry.type, entry.object.id])).toEqual([
      ["override.set", "api-calls"],
      ["override.set", "api-calls"],
      ["override.set", "advanced-analytics"],
      ["override.deleted", "api-calls"],
    ]);
    expect(history[1]).toMatchObject({ before: { included: "unlimited" }, after: { included: 250 } });
    expect(history[3]).toMatchObject({ before: { included: 250 }, after: null });
  });

  it("names the field of each invalid value", async () => {
    const clock = await ok("POST", "/v1/test-clocks", { frozenTime: "2030-01-01T00:00:00Z" });
    await ok("POST", "/v1/customers", { id: "strict", testClock: clock.id });
    const cases: [string, unknown, string[]][] = [
      ["api-calls", {}, ["enabled"]],
      ["api-calls", { enabled: "yes" }, ["enabled"]],
      ["api-calls", { enabled: true, included: -1 }, ["included"]],
      ["api-calls", { enabled: true, included: "lots" }, ["included"]],
      ["api-calls", { enabled: true, expiresAt: "2029-12-31T00:00:00Z" }, ["expiresAt"]],
      ["api-calls", { enabled: true, colour: "red" }, ["colour"]],
      ["api-calls", { enabled: false, included: 5 }, ["included"]],
      ["advanced-analytics", { enabled: true, included: 5 }, ["included"]],
    ];
    for (const [feature, body, expected] of cases) {
      const response = await call("PUT", `/v1/customers/strict/overrides/${feature}`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(paths(response), JSON.stringify(body)).toEqual(expected);
    }
    expect((await ok("GET", "/v1/customers/strict/overrides")).data).toEqual([]);
  });

  it("answers 404 for an unknown customer or feature", async () => {
    expect((await call("PUT", "/v1/customers/nobody/overrides/api-calls", { enabled: true })).status).toBe(404);
    expect((await call("GET", "/v1/customers/nobody/overrides")).status).toBe(404);
    await ok("POST", "/v1/customers", { id: "known" });
    const feature = await call("PUT", "/v1/customers/known/overrides/nothing", { enabled: true });
    expect([feature.status, feature.body.error.message]).toEqual([404, "No feature with id 'nothing'"]);
  });
});
