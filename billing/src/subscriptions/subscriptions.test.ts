import { describe, expect, it } from "vitest";
import { useSeededBilling } from "../../../test/support/seeded-billing";

const session = useSeededBilling();
const { call, ok } = session;

async function clockedCustomer(id: string, frozenTime: string) {
  const clock = await ok("POST", "/v1/test-clocks", { frozenTime });
  await ok("POST", "/v1/customers", { id, testClock: clock.id });
  return clock.id as string;
}

describe("attach", () => {
  it("attaches the default plan to a new customer", async () => {
    const customer = await ok("POST", "/v1/customers", { id: "c-default", name: "Default Co" });
    expect(customer.currency).toBe("USD");
    const read = await ok("GET", "/v1/customers/c-default");
    expect(read.subscriptions.map((s: { plan: string }) => s.plan)).toEqual(["free"]);
    expect(read.entitlements.find((e: { feature: string }) => e.feature === "api-calls").included).toBe(100);
  });

  it("starts a trial once per customer per plan", async () => {
    await clockedCustomer("c-trial", "2026-01-10T00:00:00Z");
    const { subscription } = await ok("POST", "/v1/attach", { customer: "c-trial", plan: "team" });
    expect(subscription.status).toBe("trialing");
    expect(subscription.trialEnd).toBe("2026-01-24T00:00:00.000Z");
    expect(subscription.currentPeriodEnd).toBe("2026-01-24T00:00:00.000Z");
    await ok("POST", `/v1/subscriptions/${subscription.id}/cancel`, { when: "now" });
    const again = await ok("POST", "/v1/attach", { customer: "c-trial", plan: "team" });
    expect(again.subscription.status).toBe("active");
    expect(again.subscription.trialEnd).toBeNull();
  });

  it("refuses an explicit second trial with 409", async () => {
    await clockedCustomer("c-trial2", "2026-01-10T00:00:00Z");
    const first = await ok("POST", "/v1/attach", { customer: "c-trial2", plan: "team" });
    await ok("POST", `/v1/subscriptions/${first.subscription.id}/cancel`, { when: "now" });
    const second = await call("POST", "/v1/attach", { customer: "c-trial2", plan: "team", trial: true });
    expect(second.status).toBe(409);
  });

  it("upgrades now within a group and keeps one base plan", async () => {
    await clockedCustomer("c-up", "2026-03-05T12:00:00Z");
    const team = await ok("POST", "/v1/attach", { customer: "c-up", plan: "team", trial: false });
    const pro = await ok("POST", "/v1/attach", { customer: "c-up", plan: "pro" });
    expect(pro.subscription.id).toBe(team.subscription.id);
    expect(pro.subscription.plan).toBe("pro");
    expect(pro.subscription.scheduledChange).toBeNull();
    const read = await ok("GET", "/v1/customers/c-up");
    expect(read.subscriptions.filter((s: { addOn: boolean }) => !s.addOn)).toHaveLength(1);
  });

  it("schedules a downgrade for the end of the period", async () => {
    const clock = await clockedCustomer("c-down", "2026-03-05T12:00:00Z");
    await ok("POST", "/v1/attach", { customer: "c-down", plan: "pro" });
    const down = await ok("POST", "/v1/attach", { customer: "c-down", plan: "team" });
    expect(down.subscription.plan).toBe("pro");
    expect(down.subscription.scheduledChange).toEqual({
      plan: "team",
      planVersion: 1,
      at: "2026-04-05T12:00:00.000Z",
    });
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2026-04-06T00:00:00Z" });
    const after = await ok("GET", `/v1/subscriptions/${down.subscription.id}`);
    expect(after.plan).toBe("team");
    expect(after.currentPeriodStart).toBe("2026-04-05T12:00:00.000Z");
    expect(after.currentPeriodEnd).toBe("2026-05-05T12:00:00.000Z");
  });

  it("lets `when: now` override a downgrade's timing", async () => {
    await clockedCustomer("c-down-now", "2026-03-05T12:00:00Z");
    await ok("POST", "/v1/attach", { customer: "c-down-now", plan: "pro" });
    const down = await ok("POST", "/v1/attach", { customer: "c-down-now", plan: "team", when: "now" });
    expect(down.subscription.plan).toBe("team");
  });

  it("stacks add-ons beside the base plan but not twice", async () => {
    await ok("POST", "/v1/customers", { id: "c-addon" });
    await ok("POST", "/v1/attach", { customer: "c-addon", plan: "extra-analytics" });
    const twice = await call("POST", "/v1/attach", { customer: "c-addon", plan: "extra-analytics" });
    expect(twice.status).toBe(409);
    const read = await ok("GET", "/v1/customers/c-addon");
    expect(read.subscriptions.map((s: { plan: string }) => s.plan).sort()).toEqual(["extra-analytics", "free"]);
    const apiCalls = read.entitlements.find((e: { feature: string }) => e.feature === "api-calls");
    expect(apiCalls.included).toBe(1100);
  });

  it("refuses a plan in another currency than the customer's", async () => {
    await ok("POST", "/v1/plans", { id: "eur-plan", name: "EUR", currency: "EUR", items: [] });
    await ok("POST", "/v1/customers", { id: "c-usd", currency: "USD" });
    const response = await call("POST", "/v1/attach", { customer: "c-usd", plan: "eur-plan" });
    expect(response.status).toBe(409);
  });

  it("answers 404 for an unknown customer or plan", async () => {
    expect((await call("POST", "/v1/attach", { customer: "nobody", plan: "team" })).status).toBe(404);
    expect((await call("POST", "/v1/attach", { customer: "c-default", plan: "nothing" })).status).toBe(404);
  });
});

describe("cancel and resume", () => {
  it("cancels at period end, resumes, and cancels for real at the boundary", async () => {
    const clock = await clockedCustomer("c-cancel", "2026-01-31T09:00:00Z");
    const { subscription } = await ok("POST", "/v1/attach", { customer: "c-cancel", plan: "pro" });
    expect(subscription.currentPeriodEnd).toBe("2026-02-28T09:00:00.000Z");
    const scheduled = await ok("POST", `/v1/subscriptions/${subscription.id}/cancel`, {});
    expect(scheduled.cancelAtPeriodEnd).toBe(true);
    expect(scheduled.status).toBe("active");
    const resumed = await ok("POST", `/v1/subscriptions/${subscription.id}/resume`);
    expect(resumed.cancelAtPeriodEnd).toBe(false);
    await ok("POST", `/v1/subscriptions/${subscription.id}/cancel`, { when: "period_end" });
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2026-03-01T00:00:00Z" });
    const ended = await ok("GET", `/v1/subscriptions/${subscription.id}`);
    expect(ended.status).toBe("canceled");
    expect(ended.endedAt).toBe("2026-02-28T09:00:00.000Z");
    const resumeEnded = await call("POST", `/v1/subscriptions/${subscription.id}/resume`);
    expect(resumeEnded.status).toBe(409);
  });

  it("falls back to the group's default plan when the base plan ends", async () => {
    const clock = await clockedCustomer("c-fallback", "2026-01-15T00:00:00Z");
    const { subscription } = await ok("POST", "/v1/attach", { customer: "c-fallback", plan: "pro" });
    await ok("POST", `/v1/subscriptions/${subscription.id}/cancel`, {});
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2026-02-20T00:00:00Z" });
    const read = await ok("GET", "/v1/customers/c-fallback");
    expect(
      read.subscriptions.map((s: { plan: string; currentPeriodStart: string }) => [s.plan, s.currentPeriodStart]),
    ).toEqual([["free", "2026-02-15T00:00:00.000Z"]]);
  });

  it("cancels now", async () => {
    await clockedCustomer("c-cancel-now", "2026-01-15T00:00:00Z");
    const { subscription } = await ok("POST", "/v1/attach", { customer: "c-cancel-now", plan: "pro" });
    const canceled = await ok("POST", `/v1/subscriptions/${subscription.id}/cancel`, { when: "now" });
    expect(canceled.status).toBe("canceled");
    expect(canceled.endedAt).toBe("2026-01-15T00:00:00.000Z");
  });
});

describe("test clocks", () => {
  it("renews through many periods in order, clamping month ends", async () => {
    const clock = await clockedCustomer("c-renew", "2026-01-31T00:00:00Z");
    const { subscription } = await ok("POST", "/v1/attach", { customer: "c-renew", plan: "pro" });
    const advanced = await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2026-05-15T00:00:00Z" });
    // Three renewals, each closing its period with an invoice finalized after the grace period.
    expect(advanced.jobsRun).toBe(6);
    expect(advanced.frozenTime).toBe("2026-05-15T00:00:00.000Z");
    const after = await ok("GET", `/v1/subscriptions/${subscription.id}`);
    expect(after.currentPeriodStart).toBe("2026-04-30T00:00:00.000Z");
    expect(after.currentPeriodEnd).toBe("2026-05-31T00:00:00.000Z");
    const history = await ok("GET", "/v1/customers/c-renew/history");
    const renewals = history.data.filter((h: { type: string }) => h.type === "subscription.renewed");
    expect(renewals.map((h: { at: string }) => h.at)).toEqual([
      "2026-02-28T00:00:00.000Z",
      "2026-03-31T00:00:00.000Z",
      "2026-04-30T00:00:00.000Z",
    ]);
  });

  it("ends a trial at trial end and starts the paid period there", async () => {
    const clock = await clockedCustomer("c-trial-end", "2026-02-01T00:00:00Z");
    const { subscription } = await ok("POST", "/v1/attach", { customer: "c-trial-end", plan: "team" });
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2026-02-20T00:00:00Z" });
    const after = await ok("GET", `/v1/subscriptions/${subscription.id}`);
    expect(after.status).toBe("active");
    expect(after.currentPeriodStart).toBe("2026-02-15T00:00:00.000Z");
    expect(after.currentPeriodEnd).toBe("2026-03-15T00:00:00.000Z");
  });

  it("only moves forward", async () => {
    const clock = await ok("POST", "/v1/test-clocks", { frozenTime: "2026-02-01T00:00:00Z" });
    const back = await call("POST", `/v1/test-clocks/${clock.id}/advance`, { frozenTime: "2026-01-01T00:00:00Z" });
    expect(back.status).toBe(400);
    expect(back.body.error.details[0].path).toBe("frozenTime");
  });
});

describe("entitlements at a moment", () => {
  it("answers what the customer had before and after a plan change", async () => {
    const clock = await clockedCustomer("c-at", "2026-01-01T00:00:00Z");
    await ok("POST", "/v1/attach", { customer: "c-at", plan: "pro" });
    await ok("POST", "/v1/attach", { customer: "c-at", plan: "team", when: "period_end" });
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2026-02-10T00:00:00Z" });
    const january = await ok("GET", "/v1/customers/c-at/entitlements?at=2026-01-15T00:00:00Z");
    expect(january.plans.map((p: { plan: string }) => p.plan)).toEqual(["pro"]);
    expect(january.features.find((f: { feature: string }) => f.feature === "api-calls").unlimited).toBe(true);
    const february = await ok("GET", "/v1/customers/c-at/entitlements?at=2026-02-05T00:00:00Z");
    expect(february.plans.map((p: { plan: string }) => p.plan)).toEqual(["team"]);
    expect(february.features.find((f: { feature: string }) => f.feature === "seats")).toBeDefined();
    const before = await ok("GET", "/v1/customers/c-at/entitlements?at=2025-12-01T00:00:00Z");
    expect(before.features).toEqual([]);
  });
});
