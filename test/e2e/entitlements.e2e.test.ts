import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Lumen } from "../../sdk/src";
import { freshLumenEnvironment, type RunningLumen, startLumen } from "../support/lumen-process";

let dataDir: string;
let env: Record<string, string>;
let running: RunningLumen | undefined;
let lumen: Lumen | undefined;

beforeAll(async () => {
  ({ env, dataDir } = await freshLumenEnvironment());
});

afterAll(async () => {
  await lumen?.close();
  await running?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

/** The pitch's seat-based AI chat plan (seed/why-lumen.txt), with a hard-limited feature beside it. */
async function setUpChatPlan(admin: Lumen["admin"]) {
  await admin.features.create({ id: "seats", name: "Seats", type: "gauge" });
  await admin.features.create({
    id: "premium-messages",
    name: "Premium model messages",
    type: "metered",
    meter: { event: "message", aggregation: "count", filter: { model: ["gpt-5", "o3"] } },
  });
  await admin.features.create({
    id: "cheap-messages",
    name: "Cheap model messages",
    type: "metered",
    meter: { event: "message", aggregation: "count", filter: { model: ["gpt-5-mini"] } },
  });
  await admin.features.create({ id: "exports", name: "Exports", type: "metered" });
  await admin.features.create({ id: "advanced-analytics", name: "Advanced analytics", type: "boolean" });
  await admin.plans.create({
    id: "team",
    name: "Team",
    currency: "USD",
    items: [
      { type: "fixed", amount: "20.00" },
      { type: "feature", feature: "seats", price: { model: "per_unit", unitAmount: "25.00" } },
      {
        type: "feature",
        feature: "premium-messages",
        included: 100,
        per: "seat",
        reset: "month",
        price: { model: "per_unit", unitAmount: "0.20" },
      },
      {
        type: "feature",
        feature: "cheap-messages",
        included: 1000,
        per: "seat",
        reset: "month",
        price: { model: "per_unit", unitAmount: "0.02" },
      },
      // No price: a hard limit.
      { type: "feature", feature: "exports", included: 5, reset: "month" },
      { type: "feature", feature: "advanced-analytics" },
    ],
  });
}

describe("the pitch's AI chat plan through the SDK against npm start", () => {
  it("checks, tracks and consumes per seat through the sidecar, with overage and a hard limit", async () => {
    running = await startLumen(env);
    const secretKey = /lum_sk_test_[A-Za-z0-9]+/.exec(running.output())?.[0];
    expect(secretKey, running.output()).toBeDefined();
    lumen = new Lumen({
      apiUrl: `http://127.0.0.1:${env.LUMEN_API_PORT}`,
      sidecarUrl: `http://127.0.0.1:${env.LUMEN_SIDECAR_PORT}`,
      secretKey,
    });
    await setUpChatPlan(lumen.admin);
    const clock = await lumen.admin.testClocks.create({ frozenTime: "2026-03-01T00:00:00Z" });
    await lumen.admin.customers.create({ id: "acme", name: "Acme Inc", testClock: clock.id });
    await lumen.admin.entities.create("acme", { id: "ada", feature: "seats", name: "Ada" });
    await lumen.admin.entities.create("acme", { id: "grace", feature: "seats", name: "Grace" });
    await lumen.admin.attach({ customer: "acme", plan: "team" });

    // A seat's user id is enough: the sidecar resolves its customer.
    await expect
      .poll(() => lumen!.isFeatureEntitled({ feature: "advanced-analytics", userId: "ada" }), { timeout: 10_000 })
      .toBe(true);
    expect(await lumen.isFeatureEntitled({ feature: "advanced-analytics", userId: "nobody" })).toBe(false);

    // 120 premium and 30 cheap messages by Ada, fire-and-forget.
    for (let i = 0; i < 150; i++) {
      lumen.track({
        customer: "acme",
        event: "message",
        entity: "ada",
        properties: { model: i < 120 ? "gpt-5" : "gpt-5-mini" },
        idempotencyKey: `msg-${i}`,
      });
    }
    await lumen.flush();
    // Read your own writes at once, then the owner's push agrees.
    const ada = await lumen.check({ customerId: "acme", userId: "ada", feature: "premium-messages" });
    expect(ada).toMatchObject({ allowed: true, entity: "ada", included: 100, used: 120, balance: -20 });
    expect(ada.overageAllowed).toBe(true);
    const grace = await lumen.check({ customerId: "acme", userId: "grace", feature: "premium-messages" });
    expect(grace).toMatchObject({ allowed: true, used: 0, balance: 100 });

    await expect
      .poll(
        async () => {
          const usage = await lumen!.getUsage({ userId: "acme" });
          return usage.features.find((feature) => feature.feature === "premium-messages");
        },
        { timeout: 20_000, interval: 200 },
      )
      .toMatchObject({
        included: 200,
        used: 120,
        entities: [
          { entity: "ada", included: 100, used: 120, balance: -20 },
          { entity: "grace", included: 100, used: 0, balance: 100 },
        ],
      });
    const cheap = await lumen.check({ customerId: "acme", userId: "ada", feature: "cheap-messages" });
    expect(cheap).toMatchObject({ used: 30, balance: 970 });

    // The hard limit: 5 exports a month, strict consume through the owner, never a sixth.
    const consumed = [];
    for (let i = 0; i < 7; i++) consumed.push(await lumen.consume({ customer: "acme", feature: "exports" }));
    expect(consumed.map((answer) => answer.allowed)).toEqual([true, true, true, true, true, false, false]);
    expect(consumed[5]).toMatchObject({ reason: "limit_reached", used: 5, balance: 0 });
    // The billing API's authoritative check agrees.
    const authoritative = await lumen.admin.check({ customer: "acme", feature: "exports" });
    expect(authoritative).toMatchObject({ allowed: false, reason: "limit_reached", used: 5 });

    // A new month resets the allowances.
    await lumen.admin.testClocks.advance(clock.id, { frozenTime: "2026-04-01T00:00:01Z" });
    await expect
      .poll(async () => (await lumen!.check({ customer: "acme", feature: "exports" })).balance, { timeout: 10_000 })
      .toBe(5);
  }, 120_000);
});
