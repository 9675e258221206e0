import { describe, expect, it } from "vitest";
import { LIVE_KEY } from "../../../test/support/billing";
import { useSeededBilling } from "../../../test/support/seeded-billing";

const session = useSeededBilling();
const { call } = session;

describe("customers", () => {
  it("creates, reads, updates and deletes a customer, keeping every version", async () => {
    const created = await call("POST", "/v1/customers", {
      id: "acme",
      name: "Acme Inc",
      email: "billing@acme.test",
      address: { country: "DE", postalCode: "10115", city: "Berlin" },
      taxIds: [{ type: "eu_vat", value: "DE123456789" }],
      metadata: { crm: "42" },
    });
    expect(created.status).toBe(200);
    expect(created.body.taxExempt).toBe("none");
    const updated = await call("PATCH", "/v1/customers/acme", { name: "Acme GmbH", taxExempt: "reverse" });
    expect(updated.body.name).toBe("Acme GmbH");
    expect(updated.body.email).toBe("billing@acme.test");
    const history = await call("GET", "/v1/customers/acme/history");
    const types = history.body.data.map((h: { type: string }) => h.type);
    // The default plan fixes the currency (a version of its own), then the PATCH.
    expect(types).toEqual(["customer.created", "customer.updated", "subscription.created", "customer.updated"]);
    expect(history.body.data[1].after.currency).toBe("USD");
    const change = history.body.data[3];
    expect(change.before.name).toBe("Acme Inc");
    expect(change.after.name).toBe("Acme GmbH");
    expect(change.actor).toMatch(/^key_/);
    const deleted = await call("DELETE", "/v1/customers/acme");
    expect(deleted.body.deleted).toBe(true);
    expect((await call("GET", "/v1/customers/acme")).status).toBe(404);
    const { rows } = await session.billing.database.pool.query(
      "SELECT status FROM subscriptions WHERE env = 'test' AND customer_id = 'acme'",
    );
    expect(rows.map((r) => r.status)).toEqual(["canceled"]);
  });

  it("answers 409 for a duplicate id and 400 with the path for a bad email", async () => {
    await call("POST", "/v1/customers", { id: "dup" });
    expect((await call("POST", "/v1/customers", { id: "dup" })).status).toBe(409);
    const bad = await call("POST", "/v1/customers", { id: "bad-email", email: "not-an-email" });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("email");
    const country = await call("POST", "/v1/customers", { id: "bad-country", address: { country: "Germany" } });
    expect(country.body.error.details[0].path).toBe("address.country");
  });

  it("keeps test and live customers apart", async () => {
    await call("POST", "/v1/customers", { id: "shared-id" });
    const live = await call("POST", "/v1/customers", { id: "shared-id", name: "Live twin" }, LIVE_KEY);
    expect(live.status).toBe(200);
    expect((await call("GET", "/v1/customers/shared-id", undefined, LIVE_KEY)).body.name).toBe("Live twin");
    expect((await call("GET", "/v1/customers/shared-id")).body.name).toBeNull();
  });

  it("refuses to delete a test clock that still has customers", async () => {
    const clock = (await call("POST", "/v1/test-clocks", { frozenTime: "2026-01-01T00:00:00Z" })).body;
    await call("POST", "/v1/customers", { id: "on-clock", testClock: clock.id });
    expect((await call("DELETE", `/v1/test-clocks/${clock.id}`)).status).toBe(409);
    await call("DELETE", "/v1/customers/on-clock");
    expect((await call("DELETE", `/v1/test-clocks/${clock.id}`)).status).toBe(200);
  });

  it("refuses test clocks with a live key", async () => {
    const response = await call("POST", "/v1/test-clocks", { frozenTime: "2026-01-01T00:00:00Z" }, LIVE_KEY);
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe("forbidden");
  });
});

describe("entities", () => {
  it("raises and lowers the gauge level and records seats in history", async () => {
    await call("POST", "/v1/customers", { id: "seated" });
    const first = await call("POST", "/v1/customers/seated/entities", { id: "user_1", feature: "seats", name: "Ada" });
    expect(first.body.level).toBe(1);
    const second = await call("POST", "/v1/customers/seated/entities", { id: "user_2", feature: "seats" });
    expect(second.body.level).toBe(2);
    const list = await call("GET", "/v1/customers/seated/entities");
    expect(list.body.data.map((e: { id: string }) => e.id)).toEqual(["user_1", "user_2"]);
    const removed = await call("DELETE", "/v1/customers/seated/entities/user_1");
    expect(removed.body.level).toBe(1);
    const history = await call("GET", "/v1/customers/seated/history");
    const seatEvents = history.body.data.filter((h: { type: string }) => h.type.startsWith("seat."));
    expect(seatEvents.map((h: { type: string }) => h.type)).toEqual(["seat.added", "seat.added", "seat.removed"]);
  });

  it("keeps entity ids unique across customers of an environment", async () => {
    await call("POST", "/v1/customers", { id: "other" });
    await call("POST", "/v1/customers/other/entities", { id: "user_9", feature: "seats" });
    await call("POST", "/v1/customers", { id: "another" });
    const clash = await call("POST", "/v1/customers/another/entities", { id: "user_9", feature: "seats" });
    expect(clash.status).toBe(409);
    await call("DELETE", "/v1/customers/other/entities/user_9");
    const reused = await call("POST", "/v1/customers/another/entities", { id: "user_9", feature: "seats" });
    expect(reused.status).toBe(200);
  });

  it("frees a deleted customer's entity ids and keeps its history readable", async () => {
    await call("POST", "/v1/customers", { id: "leaving" });
    await call("POST", "/v1/customers/leaving/entities", { id: "user_leaving", feature: "seats" });
    await call("DELETE", "/v1/customers/leaving");
    await call("POST", "/v1/customers", { id: "arriving" });
    expect(
      (await call("POST", "/v1/customers/arriving/entities", { id: "user_leaving", feature: "seats" })).status,
    ).toBe(200);
    const history = await call("GET", "/v1/customers/leaving/history");
    expect(history.status).toBe(200);
    expect(history.body.data.at(-1).type).toBe("customer.deleted");
    const badCursor = await call("GET", "/v1/customers/leaving/history?startingAfter=999999");
    expect(badCursor.status).toBe(400);
  });

  it("still adds seats of an archived gauge feature that plans use", async () => {
    await call("POST", "/v1/features", { id: "old-seats", name: "Old seats", type: "gauge" });
    await call("POST", "/v1/features/old-seats/archive");
    await call("POST", "/v1/customers", { id: "legacy-seats" });
    const response = await call("POST", "/v1/customers/legacy-seats/entities", {
      id: "legacy_1",
      feature: "old-seats",
    });
    expect(response.status).toBe(200);
  });

  it("only counts entities of a gauge feature", async () => {
    await call("POST", "/v1/customers", { id: "wrong-feature" });
    const response = await call("POST", "/v1/customers/wrong-feature/entities", {
      id: "u",
      feature: "advanced-analytics",
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe("feature");
  });
});
