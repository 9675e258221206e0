import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lumen } from "../../sdk/src";
import { freshLumenEnvironment, type RunningLumen, startLumen } from "../support/lumen-process";

let dataDir: string;
let env: Record<string, string>;
let running: RunningLumen | undefined;

beforeAll(async () => {
  ({ env, dataDir } = await freshLumenEnvironment());
});

afterAll(async () => {
  await running?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe("npm start, driven through the SDK", () => {
  it("starts the whole system, keeps its state across a restart, and stops on Ctrl-C", async () => {
    running = await startLumen(env);
    const testKey = /lum_sk_test_[A-Za-z0-9]+/.exec(running.output())?.[0];
    expect(testKey, running.output()).toBeDefined();
    expect(running.output()).toMatch(/lum_sk_live_[A-Za-z0-9]+/);
    for (const port of [env.LUMEN_INGEST_PORT, env.LUMEN_SIDECAR_PORT]) {
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
    }

    const lumen = new Lumen({ apiUrl: `http://127.0.0.1:${env.LUMEN_API_PORT}`, secretKey: testKey });
    await lumen.admin.features.create({ id: "seats", name: "Seats", type: "gauge" });
    await lumen.admin.features.create({ id: "advanced-analytics", name: "Advanced analytics", type: "boolean" });
    await lumen.admin.plans.create({
      id: "team",
      name: "Team",
      currency: "USD",
      trialDays: 14,
      items: [
        { type: "fixed", amount: "20.00" },
        { type: "feature", feature: "seats", price: { model: "per_unit", unitAmount: "25.00" } },
        { type: "feature", feature: "advanced-analytics" },
      ],
    });
    const clock = await lumen.admin.testClocks.create({ frozenTime: "2026-01-01T00:00:00Z" });
    await lumen.admin.customers.create({ id: "acme", name: "Acme Inc", testClock: clock.id });
    await lumen.admin.entities.create("acme", { id: "user_1", feature: "seats", name: "Ada" });
    const seat = await lumen.admin.entities.create("acme", { id: "user_2", feature: "seats", name: "Grace" });
    expect(seat.level).toBe(2);
    const { subscription } = await lumen.admin.attach({ customer: "acme", plan: "team" });
    expect(subscription.status).toBe("trialing");
    await lumen.admin.testClocks.advance(clock.id, { frozenTime: "2026-02-20T00:00:00Z" });
    const renewed = await lumen.admin.subscriptions.get(subscription.id);
    expect(renewed.status).toBe("active");
    expect(renewed.currentPeriodStart).toBe("2026-02-15T00:00:00.000Z");

    await running.stop();
    expect(running.output()).toContain("Lumen stopped.");
    running = await startLumen(env);
    expect(running.output()).not.toMatch(/lum_sk_test_[A-Za-z0-9]{32}/);

    const customer = await lumen.admin.customers.get("acme");
    expect(customer.subscriptions.map((s) => s.plan)).toEqual(["team"]);
    expect(customer.entitlements.map((e) => e.feature)).toEqual(["advanced-analytics", "seats"]);
    const history = await lumen.admin.customers.history("acme", { limit: 100 });
    expect(history.data.map((entry) => entry.type)).toEqual([
      "customer.created",
      "seat.added",
      "seat.added",
      "customer.updated",
      "subscription.created",
      "subscription.trial_ended",
      "subscription.renewed",
      "invoice.finalized",
      "subscription.renewed",
      "invoice.finalized",
    ]);
    expect(history.data.filter((entry) => entry.type === "subscription.renewed").map((entry) => entry.at)).toEqual([
      "2026-01-15T00:00:00.000Z",
      "2026-02-15T00:00:00.000Z",
    ]);
    expect((await lumen.admin.plans.get("team")).version).toBe(1);
    expect((await lumen.admin.auditLog.verify()).valid).toBe(true);

    // Usage flows from ingest through JetStream and the aggregator back to the billing API, exactly once.
    const events = Array.from({ length: 30 }, (_, i) => ({
      customer: "acme",
      feature: "api-calls",
      entity: i % 2 === 0 ? "user_1" : "user_2",
      idempotencyKey: `call-${i}`,
    }));
    for (let attempt = 0; attempt < 2; attempt++) {
      const response = await fetch(`http://127.0.0.1:${env.LUMEN_INGEST_PORT}/v1/events/batch`, {
        method: "POST",
        headers: { authorization: `Bearer ${testKey}`, "content-type": "application/json" },
        body: JSON.stringify({ events }),
      });
      expect(response.status).toBe(202);
    }
    await expect
      .poll(async () => (await lumen.admin.usage.get("acme")).features.find((f) => f.feature === "api-calls")?.used, {
        timeout: 20_000,
        interval: 200,
      })
      .toBe(30);
    const stored = await lumen.admin.events.list({ customer: "acme", limit: 100 });
    expect(stored.data.filter((event) => event.counted)).toHaveLength(30);
    expect(stored.data).toHaveLength(60);

    // The billing API says `duplicate: true` for keys the aggregators have already counted.
    const repeat = await lumen.admin.events.track({ customer: "acme", feature: "api-calls", idempotencyKey: "call-3" });
    expect(repeat.duplicate).toBe(true);
    const fresh = await lumen.admin.events.batch([
      { customer: "acme", feature: "api-calls", idempotencyKey: "call-4" },
      { customer: "acme", feature: "api-calls", idempotencyKey: "call-new" },
      { customer: "acme", feature: "api-calls", idempotencyKey: "call-new" },
    ]);
    expect(fresh).toMatchObject({ accepted: 3, duplicates: 2 });
  }, 120_000);
});
