import { describe, expect, it } from "vitest";
import { useSeededBilling } from "../../../test/support/seeded-billing";

const session = useSeededBilling();
const { call } = session;

const basic = {
  name: "Basic",
  currency: "USD",
  items: [
    { type: "fixed", amount: "10.00" },
    { type: "feature", feature: "api-calls", included: 1000 },
  ],
};

describe("features", () => {
  it("creates, reads, patches and archives a feature", async () => {
    const created = await call("POST", "/v1/features", {
      id: "tokens",
      name: "Tokens",
      type: "metered",
      meter: { event: "completion", aggregation: "sum", property: "tokens" },
    });
    expect(created.status).toBe(200);
    expect(created.body.meter.property).toBe("tokens");
    const patched = await call("PATCH", "/v1/features/tokens", { name: "LLM tokens" });
    expect(patched.body.name).toBe("LLM tokens");
    expect(patched.body.meter.property).toBe("tokens");
    const typeChange = await call("PATCH", "/v1/features/tokens", { type: "boolean" });
    expect(typeChange.status).toBe(400);
    const archived = await call("POST", "/v1/features/tokens/archive");
    expect(archived.body.archived).toBe(true);
    const duplicate = await call("POST", "/v1/features", { id: "tokens", name: "Again", type: "boolean" });
    expect(duplicate.status).toBe(409);
  });

  it("requires credit costs to name metered features", async () => {
    const bad = await call("POST", "/v1/features", {
      id: "ai-credits",
      name: "AI credits",
      type: "credits",
      creditCosts: { "advanced-analytics": 1 },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("creditCosts.advanced-analytics");
    const good = await call("POST", "/v1/features", {
      id: "ai-credits",
      name: "AI credits",
      type: "credits",
      creditCosts: { "premium-messages": 5 },
    });
    expect(good.status).toBe(200);
  });

  it("lists features a page at a time", async () => {
    const first = await call("GET", "/v1/features?limit=2");
    expect(first.body.data).toHaveLength(2);
    expect(first.body.hasMore).toBe(true);
    const next = await call("GET", `/v1/features?limit=100&startingAfter=${first.body.data[1].id}`);
    expect(next.body.data[0].id > first.body.data[1].id).toBe(true);
    expect((await call("GET", "/v1/features?limit=101")).status).toBe(400);
  });
});

describe("plans and versions", () => {
  it("creates version 1, then version 2 only when the definition changes", async () => {
    const created = await call("POST", "/v1/plans", { id: "basic", ...basic });
    expect(created.body.version).toBe(1);
    expect(created.body.interval).toBe("month");
    const same = await call("PUT", "/v1/plans/basic", { ...basic, interval: "month", trialDays: 0 });
    expect(same.body.version).toBe(1);
    expect(same.body.created).toBe(false);
    const changed = await call("PUT", "/v1/plans/basic", { ...basic, items: [{ type: "fixed", amount: "12.00" }] });
    expect(changed.body.version).toBe(2);
    const versions = await call("GET", "/v1/plans/basic/versions");
    expect(versions.body.data.map((v: { version: number }) => v.version)).toEqual([1, 2]);
    const page = await call("GET", "/v1/plans/basic/versions?limit=1");
    expect(page.body).toMatchObject({ hasMore: true, data: [{ version: 1 }] });
    const rest = await call("GET", "/v1/plans/basic/versions?limit=1&startingAfter=1");
    expect(rest.body).toMatchObject({ hasMore: false, data: [{ version: 2 }] });
    const v1 = await call("GET", "/v1/plans/basic/versions/1");
    expect(v1.body.items[0].amount).toBe("10.00");
    expect((await call("GET", "/v1/plans/basic")).body.version).toBe(2);
    expect((await call("GET", "/v1/plans/basic/versions/9")).status).toBe(404);
  });

  it("keeps existing subscriptions on their version and migrates them on request", async () => {
    await call("POST", "/v1/plans", { id: "grand", ...basic });
    await call("POST", "/v1/customers", { id: "grandfathered" });
    const attached = await call("POST", "/v1/attach", { customer: "grandfathered", plan: "grand" });
    expect(attached.body.subscription.planVersion).toBe(1);
    await call("PUT", "/v1/plans/grand", { ...basic, items: [{ type: "fixed", amount: "15.00" }] });
    expect((await call("GET", `/v1/subscriptions/${attached.body.subscription.id}`)).body.planVersion).toBe(1);
    const scheduled = await call("POST", "/v1/plans/grand/migrate", { fromVersion: 1, toVersion: 2 });
    expect(scheduled.body).toEqual({ migrated: 1 });
    const sub = (await call("GET", `/v1/subscriptions/${attached.body.subscription.id}`)).body;
    expect(sub.planVersion).toBe(1);
    expect(sub.scheduledChange.planVersion).toBe(2);
    const now = await call("POST", "/v1/plans/grand/migrate", { fromVersion: 1, toVersion: 2, when: "now" });
    expect(now.body).toEqual({ migrated: 1 });
    expect((await call("GET", `/v1/subscriptions/${attached.body.subscription.id}`)).body.planVersion).toBe(2);
    const none = await call("POST", "/v1/plans/grand/migrate", { fromVersion: 1, toVersion: 2, when: "now" });
    expect(none.body).toEqual({ migrated: 0 });
  });

  it("refuses a plan that uses an unknown feature, naming the item", async () => {
    const response = await call("POST", "/v1/plans", {
      id: "broken",
      name: "Broken",
      currency: "USD",
      items: [
        { type: "fixed", amount: "1.00" },
        { type: "feature", feature: "nope" },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe("items.1.feature");
    expect((await call("GET", "/v1/plans/broken")).status).toBe(404);
  });

  it("refuses a float amount and descending tiers", async () => {
    const float = await call("POST", "/v1/plans", {
      id: "f",
      name: "F",
      currency: "USD",
      items: [{ type: "fixed", amount: 20.5 }],
    });
    expect(float.status).toBe(400);
    expect(float.body.error.details[0].path).toBe("items.0.amount");
    const tiers = await call("POST", "/v1/plans", {
      id: "t",
      name: "T",
      currency: "USD",
      items: [
        {
          type: "feature",
          feature: "api-calls",
          price: {
            model: "graduated",
            tiers: [
              { upTo: 100, unitAmount: "1" },
              { upTo: 50, unitAmount: "0.5" },
              { upTo: null, unitAmount: "0.1" },
            ],
          },
        },
      ],
    });
    expect(tiers.status).toBe(400);
    expect(tiers.body.error.details[0].path).toBe("items.0.price.tiers.1.upTo");
  });

  it("allows one default plan per group", async () => {
    const second = await call("POST", "/v1/plans", {
      id: "free2",
      name: "Free 2",
      currency: "USD",
      default: true,
      items: [],
    });
    expect(second.status).toBe(409);
  });

  it("never attaches an archived plan to new customers", async () => {
    await call("POST", "/v1/plans", {
      id: "archived-default",
      name: "Old",
      currency: "USD",
      default: true,
      group: "legacy",
      items: [],
    });
    await call("POST", "/v1/plans/archived-default/archive");
    await call("POST", "/v1/customers", { id: "after-archive" });
    const customer = await call("GET", "/v1/customers/after-archive");
    expect(customer.body.subscriptions.map((s: { plan: string }) => s.plan)).toEqual(["free"]);
    expect((await call("POST", "/v1/attach", { customer: "after-archive", plan: "archived-default" })).status).toBe(
      409,
    );
  });
});
