import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { CustomerDefinition } from "../pipeline/definitions";
import type { Ledger, UsageCounter } from "../pipeline/messages";
import { type BalanceState, checkEntitlement, featureBalance, ledgersAt, type PendingUsage } from "./balance";
import { aCustomerDefinition, aGrant, aMonth, anEntitlement, aSeatChatCustomer, aUsageCounter } from "./testing";
import type { Override } from "./types";

const DAY = 86_400_000;
/** 15 January 2026, in the first monthly period of `anEntitlement`. */
const AT = aMonth(1).start + 14 * DAY;

function stateOf(
  definition: CustomerDefinition | undefined,
  { counters = [], ledgers = [], pending = [] }: Partial<Omit<BalanceState, "definition">> = {},
): BalanceState {
  return { definition, counters, ledgers, pending };
}

function check(
  state: BalanceState,
  feature: string,
  { entity = null, quantity = 1, at = AT }: { entity?: string | null; quantity?: number; at?: number } = {},
) {
  return checkEntitlement({ state, feature, entity, quantity, at });
}

const override = (fields: Partial<Override> & Pick<Override, "feature">): Override => ({
  enabled: true,
  expiresAt: null,
  ...fields,
});

/** January usage of the chat plan: user_1 150 premium messages, user_2 30, user_3 none; cheap ones likewise. */
const chatUsage: UsageCounter[] = [
  aUsageCounter({ feature: "premium-messages", value: 180 }),
  aUsageCounter({ feature: "premium-messages", entity: "user_1", value: 150 }),
  aUsageCounter({ feature: "premium-messages", entity: "user_2", value: 30 }),
  aUsageCounter({ feature: "cheap-messages", value: 2100 }),
  aUsageCounter({ feature: "cheap-messages", entity: "user_1", value: 1500 }),
  aUsageCounter({ feature: "cheap-messages", entity: "user_2", value: 600 }),
];

describe("the seat-based AI chat plan: 3 seats, 100 premium and 1000 cheap messages per seat, priced beyond", () => {
  const chat = stateOf(aSeatChatCustomer(), { counters: chatUsage });

  it.each([
    { feature: "premium-messages", entity: "user_1", used: 150, balance: -50 },
    { feature: "premium-messages", entity: "user_2", used: 30, balance: 70 },
    { feature: "premium-messages", entity: "user_3", used: 0, balance: 100 },
    { feature: "cheap-messages", entity: "user_1", used: 1500, balance: -500 },
    { feature: "cheap-messages", entity: "user_2", used: 600, balance: 400 },
    { feature: "cheap-messages", entity: "user_3", used: 0, balance: 1000 },
  ])("$entity has its own $feature balance: used $used, balance $balance", ({ feature, entity, used, balance }) => {
    const included = feature === "premium-messages" ? 100 : 1000;
    expect(check(chat, feature, { entity })).toMatchObject({
      allowed: true,
      type: "metered",
      included,
      used,
      balance,
      overageAllowed: true,
      periodStart: aMonth(1).start,
      periodEnd: aMonth(1).end,
      reason: null,
    });
  });

  it("never offsets one seat's overage with another seat's unused allowance", () => {
    const premium = featureBalance({ state: chat, feature: "premium-messages", entity: null, at: AT });
    // user_2 and user_3 leave 170 unused, yet user_1's 50 beyond its own 100 are overage.
    expect(premium?.burn).toMatchObject({ allowance: 300, used: 180, overage: 50, balance: 120 });
    expect(premium?.seats.map((seat) => [seat.entity, seat.burn.balance])).toEqual([
      ["user_1", -50],
      ["user_2", 70],
      ["user_3", 100],
    ]);
  });

  it.each([
    { feature: "premium-messages", included: 300, used: 180, balance: 120 },
    { feature: "cheap-messages", included: 3000, used: 2100, balance: 900 },
  ])("answers the customer-wide view of $feature as the seats' sum", ({ feature, included, used, balance }) => {
    expect(check(chat, feature)).toMatchObject({ allowed: true, included, used, balance });
  });

  it("counts the seats gauge's level from its entities, priced per unit", () => {
    expect(check(chat, "seats")).toMatchObject({
      allowed: true,
      type: "gauge",
      included: 0,
      used: 3,
      balance: -3,
      periodEnd: null,
    });
  });

  it("charges usage of no seat to the customer only, with no allowance of its own", () => {
    const counters = chatUsage.map((counter) =>
      counter.feature === "premium-messages" && counter.entity === null ? { ...counter, value: 190 } : counter,
    );
    const state = stateOf(aSeatChatCustomer(), { counters });
    expect(check(state, "premium-messages")).toMatchObject({ used: 190, balance: 110 });
    expect(check(state, "premium-messages", { entity: "user_3" })).toMatchObject({ used: 0, balance: 100 });
  });

  it("lets the customer's grants absorb what any seat uses beyond its own allowance", () => {
    const grants = [aGrant({ id: "promo", feature: "premium-messages", amount: 80 })];
    const state = stateOf(aSeatChatCustomer({ grants }), { counters: chatUsage });
    expect(check(state, "premium-messages", { entity: "user_1" })).toMatchObject({ used: 150, balance: 30 });
    expect(check(state, "premium-messages", { entity: "user_2" })).toMatchObject({ used: 30, balance: 100 });
    expect(check(state, "premium-messages")).toMatchObject({ used: 180, balance: 200 });
  });

  it("shows a seat the overage its shared grants no longer cover", () => {
    const grants = [aGrant({ id: "promo", feature: "premium-messages", amount: 20 })];
    const state = stateOf(aSeatChatCustomer({ grants }), { counters: chatUsage });
    expect(check(state, "premium-messages", { entity: "user_1" })).toMatchObject({ balance: -30 });
    expect(check(state, "premium-messages")).toMatchObject({ balance: 140 });
    expect(featureBalance({ state, feature: "premium-messages", entity: null, at: AT })?.burn?.overage).toBe(30);
  });

  it("shares one allowance of included × seats when pooled", () => {
    const definition = aSeatChatCustomer();
    definition.features["premium-messages"] = { ...definition.features["premium-messages"]!, pooled: true };
    const state = stateOf(definition, { counters: chatUsage });
    expect(check(state, "premium-messages")).toMatchObject({ included: 300, used: 180, balance: 120 });
    expect(check(state, "premium-messages", { entity: "user_1" })).toMatchObject({ balance: 120 });
    expect(featureBalance({ state, feature: "premium-messages", entity: null, at: AT })?.seats).toEqual([]);
  });

  it("counts a seat's pending usage (a reservation) against that seat and the customer only", () => {
    const pending: PendingUsage[] = [{ feature: "premium-messages", entity: "user_2", quantity: 40 }];
    const state = stateOf(aSeatChatCustomer(), { counters: chatUsage, pending });
    expect(check(state, "premium-messages", { entity: "user_2" })).toMatchObject({ used: 70, balance: 30 });
    expect(check(state, "premium-messages", { entity: "user_1" })).toMatchObject({ balance: -50 });
    expect(check(state, "premium-messages")).toMatchObject({ used: 220, balance: 80 });
  });

  it.each([
    { used: 150, quantity: 250, allowed: true, reason: null },
    { used: 150, quantity: 251, allowed: false, reason: "usage_limit_reached" },
    { used: 400, quantity: 1, allowed: false, reason: "usage_limit_reached" },
  ])(
    "caps priced usage at the usageLimit of 400: $used used, $quantity more → $reason",
    ({ used, quantity, allowed, reason }) => {
      const definition = aSeatChatCustomer();
      definition.features["premium-messages"] = { ...definition.features["premium-messages"]!, usageLimit: 400 };
      const counters = [aUsageCounter({ feature: "premium-messages", value: used })];
      expect(check(stateOf(definition, { counters }), "premium-messages", { quantity })).toMatchObject({
        allowed,
        reason,
        usageLimit: 400,
      });
    },
  );

  it.each([
    { used: 9, quantity: 1, allowed: true, reason: null },
    { used: 10, quantity: 1, allowed: false, reason: "limit_reached" },
    { used: 5, quantity: 5, allowed: true, reason: null },
    { used: 5, quantity: 6, allowed: false, reason: "limit_reached" },
    { used: 12, quantity: 0, allowed: false, reason: "limit_reached" },
  ])(
    "holds a hard limit of 10 exports (no price): $used used, $quantity more → $reason",
    ({ used, quantity, allowed, reason }) => {
      const definition = aSeatChatCustomer();
      definition.features.exports = anEntitlement({ included: 10 });
      const counters = [aUsageCounter({ feature: "exports", value: used })];
      expect(check(stateOf(definition, { counters }), "exports", { quantity })).toMatchObject({
        allowed,
        reason,
        balance: 10 - used,
        overageAllowed: false,
      });
    },
  );
});

describe("ledgersAt: what the owner keeps when a counter moves to a new period", () => {
  const definition = aSeatChatCustomer({ grants: [aGrant({ id: "promo", feature: "premium-messages" })] });
  definition.features["premium-messages"] = { ...definition.features["premium-messages"]!, rollover: { max: 20 } };
  const january = stateOf(definition, { counters: chatUsage });
  const february = aMonth(2).start;

  it("keeps a ledger per seat and one for the seats' shared grants", () => {
    const premium = ledgersAt({ state: january, at: february }).filter((l) => l.feature === "premium-messages");
    expect(premium).toEqual<Ledger[]>([
      { feature: "premium-messages", entity: "user_1", periodStart: february, rolledOver: 0, grantsUsed: {} },
      { feature: "premium-messages", entity: "user_2", periodStart: february, rolledOver: 20, grantsUsed: {} },
      // No usage counted yet: no history to carry from (the seat may be new).
      { feature: "premium-messages", entity: "user_3", periodStart: february, rolledOver: 0, grantsUsed: {} },
      { feature: "premium-messages", entity: null, periodStart: february, rolledOver: 0, grantsUsed: { promo: 50 } },
    ]);
  });

  it("carries January into February as a reader rolling January's counters on the fly does", () => {
    const kept = stateOf(definition, { ledgers: ledgersAt({ state: january, at: february }) });
    const at = february + 9 * DAY;
    for (const entity of [null, "user_1", "user_2", "user_3"]) {
      const owner = check(kept, "premium-messages", { entity, at });
      expect(owner).toEqual(check(january, "premium-messages", { entity, at }));
    }
    expect(check(kept, "premium-messages", { entity: "user_1", at })).toMatchObject({ balance: 150 });
    expect(check(kept, "premium-messages", { entity: "user_2", at })).toMatchObject({ balance: 170 });
    expect(check(kept, "premium-messages", { entity: "user_3", at })).toMatchObject({ balance: 150 });
    expect(check(kept, "premium-messages", { at })).toMatchObject({ used: 0, balance: 370 });
  });

  it("keeps nothing for boolean and unlimited features nor for unknown customers", () => {
    const plain = aCustomerDefinition({
      features: { sso: anEntitlement({ type: "boolean" }), chat: anEntitlement({ unlimited: true }) },
    });
    expect(ledgersAt({ state: stateOf(plain), at: february })).toEqual([]);
    expect(ledgersAt({ state: stateOf(undefined), at: february })).toEqual([]);
  });
});

describe("credits: ai-credits (500 a month, no price) pay 5 a premium message and 1 a cheap one", () => {
  const credits = (fields: Partial<CustomerDefinition> = {}) =>
    aCustomerDefinition({
      features: {
        "ai-credits": anEntitlement({ type: "credits", included: 500 }),
        // 10 premium messages of its own; cheap messages only through the credits.
        premium: anEntitlement({ included: 10 }),
      },
      creditCosts: { "ai-credits": { premium: 5, cheap: 1 } },
      ...fields,
    });
  const usage = ({ premium = 0, cheap = 0, direct = 0 }) =>
    [
      aUsageCounter({ feature: "premium", value: premium }),
      aUsageCounter({ feature: "cheap", value: cheap }),
      aUsageCounter({ feature: "ai-credits", value: direct }),
    ].filter((counter) => counter.value !== 0);

  it("grants a feature reachable only through credits when the credits feature is granted", () => {
    expect(check(stateOf(credits()), "cheap")).toMatchObject({
      allowed: true,
      type: "metered",
      included: 0,
      used: 0,
      balance: 500,
      reason: null,
    });
  });

  it("denies it when the credits feature is not granted", () => {
    const disabled = credits({ overrides: { "ai-credits": override({ feature: "ai-credits", enabled: false }) } });
    expect(check(stateOf(disabled), "cheap")).toMatchObject({ allowed: false, reason: "no_entitlement" });
    expect(check(stateOf(disabled), "premium")).toMatchObject({ allowed: true, balance: 10 });
  });

  it.each([
    { name: "within its own allowance, the credits untouched", premium: 6, balance: 4 + 100, credits: 500 },
    { name: "past its own allowance, drawing 5 credits a message", premium: 14, balance: 96, credits: 480 },
  ])("uses a feature's own allowance before credits: $name", ({ premium, balance, credits: left }) => {
    const state = stateOf(credits(), { counters: usage({ premium }) });
    expect(check(state, "premium")).toMatchObject({ allowed: true, used: premium, balance });
    expect(check(state, "ai-credits")).toMatchObject({ balance: left, used: 500 - left });
    expect(check(state, "cheap")).toMatchObject({ balance: left });
  });

  it.each([
    { cheap: 478, feature: "cheap", quantity: 2, allowed: true },
    { cheap: 479, feature: "cheap", quantity: 2, allowed: false },
    { cheap: 480, feature: "cheap", quantity: 1, allowed: false },
    { cheap: 475, feature: "premium", quantity: 1, allowed: true },
    { cheap: 476, feature: "premium", quantity: 1, allowed: false },
  ])(
    "denies $feature when the credits run out: $cheap cheap used, $quantity more → allowed $allowed",
    ({ cheap, feature, quantity, allowed }) => {
      // premium used 14: 4 beyond its own 10, 20 credits.
      const state = stateOf(credits(), { counters: usage({ premium: 14, cheap }) });
      expect(check(state, feature, { quantity })).toMatchObject({
        allowed,
        reason: allowed ? null : "limit_reached",
      });
    },
  );

  it("draws credits tracked directly and pending usage of the features they pay for", () => {
    const pending: PendingUsage[] = [{ feature: "premium", entity: null, quantity: 12 }];
    const state = stateOf(credits(), { counters: usage({ direct: 100, cheap: 50 }), pending });
    // 500 − 100 direct − 50 cheap − 5 × (12 − 10) premium = 340.
    expect(check(state, "ai-credits")).toMatchObject({ used: 160, balance: 340 });
    expect(check(state, "cheap")).toMatchObject({ used: 50, balance: 340 });
    expect(check(state, "premium")).toMatchObject({ used: 12, balance: 68 });
  });

  it("charges a seat's own allowance and the customer's grants before the credits", () => {
    const definition = aSeatChatCustomer({
      grants: [aGrant({ id: "promo", feature: "premium-messages", amount: 30 })],
      creditCosts: { "ai-credits": { "premium-messages": 5 } },
    });
    definition.features["ai-credits"] = anEntitlement({ type: "credits", included: 500 });
    const state = stateOf(definition, { counters: chatUsage });
    // user_1: 50 beyond its 100, 30 of them the promo's, 20 drawn at 5 credits: 400 credits, 80 messages left.
    expect(check(state, "ai-credits")).toMatchObject({ used: 100, balance: 400 });
    expect(check(state, "premium-messages", { entity: "user_1" })).toMatchObject({ used: 150, balance: 80 });
    expect(check(state, "premium-messages", { entity: "user_2" })).toMatchObject({ used: 30, balance: 70 + 80 });
  });

  it("allows usage past the credits when the credits are priced", () => {
    const definition = credits();
    definition.features["ai-credits"] = { ...definition.features["ai-credits"]!, overageAllowed: true };
    const state = stateOf(definition, { counters: usage({ cheap: 520 }) });
    expect(check(state, "cheap")).toMatchObject({ allowed: true, balance: -20, overageAllowed: true });
  });

  it("makes the features it pays for unlimited when the credits are", () => {
    const unlimited = credits({
      overrides: { "ai-credits": override({ feature: "ai-credits", included: "unlimited" }) },
    });
    const state = stateOf(unlimited, { counters: usage({ cheap: 10 ** 6 }) });
    expect(check(state, "cheap")).toMatchObject({ allowed: true, unlimited: true, balance: null });
  });

  it("burns a credits-only feature in the period its counter holds, whatever the credits' reset", () => {
    // Credits that never reset; the feature's counter resets with the billing period (15th to 15th).
    const billingPeriod = { interval: "month" as const, anchor: "2026-01-15T00:00:00.000Z" };
    const definition = credits({ billingPeriod });
    definition.features["ai-credits"] = {
      ...definition.features["ai-credits"]!,
      reset: { interval: null, anchor: billingPeriod.anchor },
    };
    const counter = { ...aUsageCounter({ feature: "cheap", value: 30 }), periodStart: AT, periodEnd: AT + 31 * DAY };
    const state = stateOf(definition, { counters: [counter] });
    expect(check(state, "cheap", { at: AT + DAY })).toMatchObject({ used: 30, balance: 470 });
    expect(check(state, "ai-credits", { at: AT + DAY })).toMatchObject({ used: 30, balance: 470 });
  });
});

describe("overrides, trials and the subscription", () => {
  const TRIAL_END = AT + DAY;
  const plan = (fields: Partial<CustomerDefinition> = {}) =>
    aCustomerDefinition({
      features: { messages: anEntitlement({ included: 100 }), sso: anEntitlement({ type: "boolean" }) },
      ...fields,
    });
  const used = [aUsageCounter({ feature: "messages", value: 150 })];

  it.each([
    {
      name: "an override disabling a plan's feature",
      definition: plan({ overrides: { messages: override({ feature: "messages", enabled: false }) } }),
      expected: { allowed: false, reason: "no_entitlement", balance: null },
    },
    {
      name: "an override's `included` replacing the allowance",
      definition: plan({ overrides: { messages: override({ feature: "messages", included: 200 }) } }),
      expected: { allowed: true, reason: null, included: 200, used: 150, balance: 50 },
    },
    {
      name: "an override making the feature unlimited",
      definition: plan({ overrides: { messages: override({ feature: "messages", included: "unlimited" }) } }),
      expected: { allowed: true, unlimited: true, included: null, used: 150, balance: null },
    },
    {
      name: "an expired override",
      definition: plan({ overrides: { messages: override({ feature: "messages", enabled: false, expiresAt: AT }) } }),
      expected: { allowed: false, reason: "limit_reached", balance: -50 },
    },
    {
      name: "a customer's trial by override, running",
      definition: plan({ overrides: { extra: override({ feature: "extra", included: 5, expiresAt: TRIAL_END }) } }),
      feature: "extra",
      expected: { allowed: true, type: "metered", included: 5, balance: 5 },
    },
    {
      name: "a customer's trial by override, over",
      definition: plan({ overrides: { extra: override({ feature: "extra", included: 5, expiresAt: AT }) } }),
      feature: "extra",
      expected: { allowed: false, reason: "trial_ended" },
    },
    {
      name: "a plan's feature trial, running",
      definition: plan({ features: { messages: anEntitlement({ included: 200, trialEndsAt: TRIAL_END }) } }),
      expected: { allowed: true, balance: 50 },
    },
    {
      name: "a plan's feature trial, over",
      definition: plan({ features: { messages: anEntitlement({ included: 200, trialEndsAt: AT }) } }),
      expected: { allowed: false, reason: "trial_ended" },
    },
    {
      name: "a plan's feature trial over, outlasted by an override",
      definition: plan({
        features: { messages: anEntitlement({ included: 200, trialEndsAt: AT }) },
        overrides: { messages: override({ feature: "messages" }) },
      }),
      expected: { allowed: true, balance: 50 },
    },
    {
      name: "an inactive subscription",
      definition: plan({ features: { messages: anEntitlement({ subscriptionActive: false }) } }),
      expected: { allowed: false, reason: "subscription_inactive", type: "metered" },
    },
    {
      name: "an unknown customer",
      definition: undefined,
      expected: { allowed: false, reason: "customer_not_found", type: null },
    },
    {
      name: "a deleted customer",
      definition: plan({ exists: false }),
      expected: { allowed: false, reason: "customer_not_found" },
    },
    {
      name: "a feature of no plan",
      definition: plan(),
      feature: "exports",
      expected: { allowed: false, reason: "no_entitlement" },
    },
    {
      name: "a boolean feature",
      definition: plan(),
      feature: "sso",
      expected: { allowed: true, type: "boolean", reason: null, included: null, used: null, balance: null },
    },
    {
      name: "a boolean feature of an inactive subscription",
      definition: plan({ features: { sso: anEntitlement({ type: "boolean", subscriptionActive: false }) } }),
      feature: "sso",
      expected: { allowed: false, reason: "subscription_inactive" },
    },
    {
      name: "a boolean feature granted by an override alone",
      definition: plan({ overrides: { beta: override({ feature: "beta" }) } }),
      feature: "beta",
      expected: { allowed: true, type: "boolean" },
    },
  ])("$name", ({ definition, feature = "messages", expected }) => {
    expect(check(stateOf(definition, { counters: used }), feature)).toMatchObject(expected);
  });

  it("burns a feature granted by an override alone in the period its counter holds", () => {
    // Counters of features without a plan item reset with the billing period, here from the 15th.
    const billingPeriod = { interval: "month" as const, anchor: "2026-01-15T00:00:00.000Z" };
    const definition = plan({ billingPeriod, overrides: { extra: override({ feature: "extra", included: 10 }) } });
    const counter = { ...aUsageCounter({ feature: "extra", value: 10 }), periodStart: AT, periodEnd: AT + 31 * DAY };
    expect(check(stateOf(definition, { counters: [counter] }), "extra", { at: AT + DAY })).toMatchObject({
      allowed: false,
      reason: "limit_reached",
      used: 10,
      periodStart: AT,
    });
  });
});

describe("balance properties", () => {
  const period = aMonth(1);

  it("within a period with grants active throughout: balance = allowance + rolled over + Σ grants left − (used + pending), allowed per PRODUCT §9", () => {
    fc.assert(
      fc.property(
        fc.record({
          included: fc.integer({ min: 0, max: 200 }),
          overageAllowed: fc.boolean(),
          usageLimit: fc.option(fc.integer({ min: 0, max: 800 })),
          rolledOver: fc.integer({ min: 0, max: 100 }),
          grants: fc.array(
            fc.record({
              amount: fc.integer({ min: 0, max: 150 }),
              usedBefore: fc.integer({ min: 0, max: 150 }),
              priority: fc.integer({ min: 0, max: 3 }),
              createdAt: fc.integer({ min: period.start - 40 * DAY, max: period.start }),
              expiresAt: fc.option(fc.integer({ min: period.end, max: period.end + 40 * DAY })),
              voidedAt: fc.option(fc.integer({ min: period.end, max: period.end + 40 * DAY })),
            }),
            { maxLength: 4 },
          ),
          used: fc.integer({ min: 0, max: 600 }),
          pending: fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 3 }),
          quantity: fc.integer({ min: 0, max: 300 }),
          at: fc.integer({ min: period.start, max: period.end - 1 }),
        }),
        ({ included, overageAllowed, usageLimit, rolledOver, grants, used, pending, quantity, at }) => {
          const granted = grants.map(({ usedBefore: _, ...fields }, index) =>
            aGrant({ id: `g${index}`, feature: "f", ...fields }),
          );
          const grantsUsed = Object.fromEntries(
            grants.map((grant, index) => [`g${index}`, Math.min(grant.usedBefore, grant.amount)]),
          );
          const definition = aCustomerDefinition({
            features: { f: anEntitlement({ included, overageAllowed, usageLimit, rollover: { max: 100 } }) },
            grants: granted,
          });
          const state = stateOf(definition, {
            counters: [aUsageCounter({ feature: "f", value: used })],
            ledgers: [{ feature: "f", entity: null, periodStart: period.start, rolledOver, grantsUsed }],
            pending: pending.map((quantity) => ({ feature: "f", entity: null, quantity })),
          });
          const result = check(state, "f", { quantity, at });

          const grantsLeft = grants.reduce(
            (sum, grant) => sum + grant.amount - Math.min(grant.usedBefore, grant.amount),
            0,
          );
          const totalUsed = used + pending.reduce((sum, quantity) => sum + quantity, 0);
          const balance = included + rolledOver + grantsLeft - totalUsed;
          const allowed =
            balance >= quantity || (overageAllowed && (usageLimit === null || totalUsed + quantity <= usageLimit));
          expect(result.balance).toBe(balance);
          expect(result.used).toBe(totalUsed);
          expect(result.allowed).toBe(allowed);
          expect(result.reason).toBe(allowed ? null : overageAllowed ? "usage_limit_reached" : "limit_reached");
        },
      ),
    );
  });

  interface SeatsScenario {
    included: number;
    /** Per seat user_0, user_1, …: its usage. */
    seatUsage: number[];
    /** Usage of no seat. */
    noSeat: number;
    overageAllowed: boolean;
  }

  const seatsScenario: fc.Arbitrary<SeatsScenario> = fc.record({
    included: fc.integer({ min: 0, max: 200 }),
    seatUsage: fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 5 }),
    noSeat: fc.integer({ min: 0, max: 100 }),
    overageAllowed: fc.boolean(),
  });

  function seatsState({ included, seatUsage, noSeat, overageAllowed }: SeatsScenario, pooled = false) {
    const seats = seatUsage.map((_, index) => `user_${index}`);
    const definition = aCustomerDefinition({
      features: {
        seats: anEntitlement({ type: "gauge", included: 0, overageAllowed: true }),
        messages: anEntitlement({ included, per: "seat", pooled, overageAllowed }),
      },
      entities: Object.fromEntries(seats.map((seat) => [seat, "seats"])),
      seatFeatures: ["seats"],
    });
    const total = seatUsage.reduce((sum, used) => sum + used, 0) + noSeat;
    const counters = [
      aUsageCounter({ feature: "messages", value: total }),
      ...seatUsage.map((value, index) => aUsageCounter({ feature: "messages", entity: `user_${index}`, value })),
    ];
    return { seats, total, state: stateOf(definition, { counters }) };
  }

  it("per seat without pooling: each seat's balance = included − its usage; the customer's = their sum − usage of no seat", () => {
    fc.assert(
      fc.property(seatsScenario, (scenario) => {
        const { seats, state } = seatsState(scenario);
        const seatBalances = seats.map((entity) => check(state, "messages", { entity }).balance!);
        seatBalances.forEach((balance, index) => {
          expect(balance).toBe(scenario.included - scenario.seatUsage[index]!);
        });
        const sum = seatBalances.reduce((total, balance) => total + balance, 0);
        expect(check(state, "messages").balance).toBe(sum - scenario.noSeat);
      }),
    );
  });

  it("per seat pooled: the balance of the customer and of every seat = included × seats − total usage", () => {
    fc.assert(
      fc.property(seatsScenario, (scenario) => {
        const { seats, total, state } = seatsState(scenario, true);
        const balance = scenario.included * seats.length - total;
        expect(check(state, "messages").balance).toBe(balance);
        for (const entity of seats) expect(check(state, "messages", { entity }).balance).toBe(balance);
      }),
    );
  });

  it("pending usage (reservations, events in flight) lowers the balance by exactly its quantity", () => {
    fc.assert(
      fc.property(
        seatsScenario,
        fc.constantFrom("customer", "seat", "pooled"),
        fc.array(fc.integer({ min: 0, max: 150 }), { maxLength: 3 }),
        fc.nat(),
        fc.integer({ min: 1, max: 120 }),
        (scenario, per, grantAmounts, pick, quantity) => {
          const { seats, state } = seatsState(scenario, per === "pooled");
          const definition = state.definition!;
          if (per === "customer") definition.features.messages = { ...definition.features.messages!, per: "customer" };
          definition.grants = grantAmounts.map((amount, index) =>
            aGrant({ id: `g${index}`, feature: "messages", amount }),
          );
          const targets = [null, "someone-else", ...seats];
          const entity = targets[pick % targets.length]!;
          const withPending = { ...state, pending: [{ feature: "messages", entity, quantity }] };

          const before = check(state, "messages").balance!;
          expect(check(withPending, "messages").balance).toBe(before - quantity);
          if (entity !== null && seats.includes(entity)) {
            const seatBefore = check(state, "messages", { entity }).balance!;
            expect(check(withPending, "messages", { entity }).balance).toBe(seatBefore - quantity);
          }
        },
      ),
    );
  });
});

describe("a grant of a feature no plan grants", () => {
  const definition = aCustomerDefinition({
    grants: [aGrant({ id: "promo", feature: "exports", amount: 10, createdAt: AT - DAY, expiresAt: AT + DAY })],
  });

  it("entitles the customer up to the grant, hard-limited", () => {
    const used = [aUsageCounter({ feature: "exports", value: 4 })];
    expect(check(stateOf(definition, { counters: used }), "exports", { quantity: 6 })).toMatchObject({
      allowed: true,
      type: "metered",
      used: 4,
      balance: 6,
    });
    expect(check(stateOf(definition, { counters: used }), "exports", { quantity: 7 })).toMatchObject({
      allowed: false,
      reason: "limit_reached",
    });
  });

  it("entitles nothing once the grant expired", () => {
    expect(check(stateOf(definition), "exports", { at: AT + DAY })).toMatchObject({
      allowed: false,
      reason: "no_entitlement",
    });
  });
});

describe("a grant of credits spanning periods", () => {
  // No monthly credits of its own: a promo grant of 500 credits; cheap messages cost 1 credit each.
  const definition = aCustomerDefinition({
    features: { "ai-credits": anEntitlement({ type: "credits", included: 0 }) },
    creditCosts: { "ai-credits": { cheap: 1 } },
    grants: [aGrant({ id: "promo", feature: "ai-credits", amount: 500, createdAt: aMonth(1).start })],
  });
  const january = [aUsageCounter({ feature: "cheap", month: 1, value: 200 })];
  const inFebruary = aMonth(2).start + 10 * DAY;

  it("keeps what January drew when a reader rolls January's counters into February", () => {
    const state = stateOf(definition, { counters: january });
    expect(check(state, "ai-credits", { at: inFebruary })).toMatchObject({ used: 0, balance: 300 });
    expect(check(state, "cheap", { at: inFebruary, quantity: 300 })).toMatchObject({ allowed: true, balance: 300 });
    expect(check(state, "cheap", { at: inFebruary, quantity: 301 })).toMatchObject({ allowed: false });
  });

  it("keeps it through the ledgers the owner stores when the counter moves to February", () => {
    const ledgers = ledgersAt({ state: stateOf(definition, { counters: january }), at: aMonth(2).start });
    expect(ledgers.find((ledger) => ledger.feature === "ai-credits")).toMatchObject({ grantsUsed: { promo: 200 } });
    const february = [aUsageCounter({ feature: "cheap", month: 2, value: 50 })];
    const state = stateOf(definition, { counters: february, ledgers });
    expect(check(state, "ai-credits", { at: inFebruary })).toMatchObject({ used: 50, balance: 250 });
    expect(check(state, "cheap", { at: inFebruary })).toMatchObject({ used: 50, balance: 250 });
  });
});
