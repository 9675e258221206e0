import { describe, expect, it } from "vitest";
import { useSeededBilling } from "../../../test/support/seeded-billing";

const session = useSeededBilling();
const { call, ok } = session;

async function clockedCustomer(id: string, frozenTime = "2026-01-01T00:00:00Z") {
  const clock = await ok("POST", "/v1/test-clocks", { frozenTime });
  await ok("POST", "/v1/customers", { id, testClock: clock.id });
  return clock.id as string;
}

describe("concurrent changes to one subscription", () => {
  it("serialise attach and cancel without a 500 and without undoing either", async () => {
    for (let round = 0; round < 10; round++) {
      const id = `race-${round}`;
      await clockedCustomer(id);
      const { subscription } = await ok("POST", "/v1/attach", { customer: id, plan: "team", trial: false });
      const [cancel, attach] = await Promise.all([
        call("POST", `/v1/subscriptions/${subscription.id}/cancel`, { when: "now" }),
        call("POST", "/v1/attach", { customer: id, plan: "pro" }),
      ]);
      expect([cancel.status, attach.status].every((status) => status === 200 || status === 409)).toBe(true);
      const customer = await ok("GET", `/v1/customers/${id}`);
      const base = customer.subscriptions.filter((s: { addOn: boolean }) => !s.addOn);
      expect(base).toHaveLength(1);
      const history = await ok("GET", `/v1/customers/${id}/history?limit=100`);
      const last = history.data.filter((h: { object: { id: string } }) => h.object.id === subscription.id).at(-1);
      const stored = await ok("GET", `/v1/subscriptions/${subscription.id}`);
      expect(stored.status).toBe(last.after.status);
      expect(stored.plan).toBe(last.after.plan);
    }
  });
});

describe("migrations respect the customer's own next step", () => {
  async function migratingPlan(id: string) {
    await ok("POST", "/v1/plans", { id, name: id, currency: "USD", items: [{ type: "fixed", amount: "30.00" }] });
    await ok("PUT", `/v1/plans/${id}`, { name: id, currency: "USD", items: [{ type: "fixed", amount: "35.00" }] });
  }

  it("keeps a scheduled cancel when migrating now", async () => {
    await migratingPlan("mig-a");
    await clockedCustomer("mig-cancel");
    const { subscription } = await ok("POST", "/v1/attach", { customer: "mig-cancel", plan: "mig-a", version: 1 });
    await ok("POST", `/v1/subscriptions/${subscription.id}/cancel`, {});
    expect(await ok("POST", "/v1/plans/mig-a/migrate", { fromVersion: 1, toVersion: 2, when: "now" })).toEqual({
      migrated: 1,
    });
    const after = await ok("GET", `/v1/subscriptions/${subscription.id}`);
    expect(after).toMatchObject({ planVersion: 2, cancelAtPeriodEnd: true });
    expect(after.canceledAt).not.toBeNull();
  });

  it("leaves a scheduled downgrade alone when migrating at the next period", async () => {
    await migratingPlan("mig-b");
    await clockedCustomer("mig-down");
    const { subscription } = await ok("POST", "/v1/attach", { customer: "mig-down", plan: "mig-b", version: 1 });
    await ok("POST", "/v1/attach", { customer: "mig-down", plan: "free" });
    expect(await ok("POST", "/v1/plans/mig-b/migrate", { fromVersion: 1, toVersion: 2 })).toEqual({ migrated: 0 });
    expect((await ok("GET", `/v1/subscriptions/${subscription.id}`)).scheduledChange.plan).toBe("free");
  });

  it("refuses to migrate into another group", async () => {
    await ok("POST", "/v1/plans", { id: "mig-c", name: "c", currency: "USD", items: [] });
    await ok("PUT", "/v1/plans/mig-c", { name: "c", currency: "USD", group: "other", items: [] });
    const response = await call("POST", "/v1/plans/mig-c/migrate", { fromVersion: 1, toVersion: 2 });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe("toVersion");
  });
});

describe("plan changes", () => {
  it("makes a downgrade chosen after a scheduled cancel happen", async () => {
    const clock = await clockedCustomer("down-after-cancel");
    const { subscription } = await ok("POST", "/v1/attach", { customer: "down-after-cancel", plan: "pro" });
    await ok("POST", `/v1/subscriptions/${subscription.id}/cancel`, {});
    const down = await ok("POST", "/v1/attach", { customer: "down-after-cancel", plan: "team", trial: false });
    expect(down.subscription).toMatchObject({ cancelAtPeriodEnd: false, scheduledChange: { plan: "team" } });
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2026-02-02T00:00:00Z" });
    expect((await ok("GET", `/v1/subscriptions/${subscription.id}`)).plan).toBe("team");
  });

  it("prices seats by the plan's own seat feature when telling an upgrade from a downgrade", async () => {
    await ok("POST", "/v1/features", { id: "projects", name: "Projects", type: "gauge" });
    await ok("POST", "/v1/plans", {
      id: "flat30",
      name: "Flat",
      currency: "USD",
      items: [{ type: "fixed", amount: "30.00" }],
    });
    await ok("POST", "/v1/plans", {
      id: "per-seat",
      name: "Per seat",
      currency: "USD",
      items: [{ type: "feature", feature: "seats", price: { model: "per_unit", unitAmount: "10.00" } }],
    });
    await clockedCustomer("projects-only");
    for (const entity of ["p1", "p2", "p3", "p4", "p5"]) {
      await ok("POST", "/v1/customers/projects-only/entities", { id: `projects-only-${entity}`, feature: "projects" });
    }
    await ok("POST", "/v1/attach", { customer: "projects-only", plan: "flat30" });
    const change = await ok("POST", "/v1/attach", { customer: "projects-only", plan: "per-seat" });
    expect(change.subscription.plan).toBe("flat30");
    expect(change.subscription.scheduledChange.plan).toBe("per-seat");
  });

  it("starts a plan item's feature trial when the plan starts, not when the subscription did", async () => {
    await ok("POST", "/v1/plans", {
      id: "feature-trial",
      name: "Feature trial",
      currency: "USD",
      items: [
        { type: "fixed", amount: "50.00" },
        { type: "feature", feature: "advanced-analytics", trialDays: 14 },
      ],
    });
    const clock = await clockedCustomer("late-trial");
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2026-03-01T00:00:00Z" });
    await ok("POST", "/v1/attach", { customer: "late-trial", plan: "feature-trial" });
    const now = await ok("GET", "/v1/customers/late-trial");
    expect(now.entitlements.map((e: { feature: string }) => e.feature)).toContain("advanced-analytics");
    const later = await ok("GET", "/v1/customers/late-trial/entitlements?at=2026-03-20T00:00:00Z");
    expect(later.features.map((e: { feature: string }) => e.feature)).not.toContain("advanced-analytics");
  });
});

describe("input the foundation used to let through", () => {
  it("caps trialDays", async () => {
    const response = await call("POST", "/v1/plans", {
      id: "forever",
      name: "F",
      currency: "USD",
      trialDays: 100_000_000,
      items: [],
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe("trialDays");
  });

  it("refuses unknown fields on actions without parameters", async () => {
    const response = await call("POST", "/v1/features/seats/archive", { bogus: 1 });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe("bogus");
    expect((await ok("GET", "/v1/features/seats")).archived).toBe(false);
  });

  it("keeps one default plan per group under concurrent creation", async () => {
    const results = await Promise.all(
      ["d1", "d2", "d3"].map((id) =>
        call("POST", "/v1/plans", { id, name: id, currency: "USD", default: true, group: "defaults", items: [] }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 409, 409]);
  });
});
