import {
  type CustomerDefinition,
  Decimal,
  featureBalance,
  type Grant,
  type Ledger,
  minorUnits,
  type PeriodTotalsResult,
  type QuantityPrice,
  ratePrice,
  roundMoney,
  summarizeUsage,
  toMoneyString,
  type UsageCounter,
} from "@lumen/core";
import { aGrant } from "@lumen/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { aSubscription } from "../../../test/support/builders";
import { normalizePlanDefinition, type PlanDefinition, type PlanDefinitionInput } from "../catalog/schemas";
import { computeCustomerDefinition } from "../definitions/compute-customer-definition";
import type { FeatureFacts } from "../entitlements/resolve-entitlements";
import { computeUsageCharges, type UsageChargeLine, type UsageRange, usageRangesOf } from "./usage-charges";

const DAY = 86_400_000;
const JAN = Date.UTC(2026, 0, 1);
/** Month `n` of 2026 (1 = January, 13 = January 2027). */
const month = (n: number) => ({ start: Date.UTC(2026, n - 1, 1), end: Date.UTC(2026, n, 1) });
const YEAR = { start: JAN, end: Date.UTC(2027, 0, 1) };

const CATALOG = new Map<string, FeatureFacts>([
  ["seats", { type: "gauge" }],
  ["premium-messages", { type: "metered" }],
  ["cheap-messages", { type: "metered" }],
  ["api-calls", { type: "metered" }],
  ["exports", { type: "metered" }],
  ["storage-gb", { type: "metered" }],
  ["payments", { type: "metered" }],
  ["ai-credits", { type: "credits", creditCosts: { "premium-messages": 5, "cheap-messages": 1 } }],
]);

const NAMES = { "premium-messages": "Premium model messages", "cheap-messages": "Cheap model messages" };

type Items = PlanDefinitionInput["items"];
type Item = NonNullable<Items>[number];

/** A customer on one plan since 1 January 2026 (the billing anchor), as billing writes its definition. */
function aCustomerOn(
  items: Items,
  {
    currency = "USD",
    seats = [],
    grants = [],
    overrides = {},
  }: {
    currency?: string;
    seats?: string[];
    grants?: Grant[];
    overrides?: CustomerDefinition["overrides"];
  } = {},
): { plan: PlanDefinition; definition: CustomerDefinition } {
  const plan = normalizePlanDefinition({ name: "Team", currency, interval: "month", items });
  const definition = computeCustomerDefinition({
    env: "test",
    customer: { id: "acme", testClockId: null },
    version: 1,
    now: new Date(JAN),
    subscriptions: [
      {
        sub: aSubscription({ start: new Date(JAN), end: new Date(month(2).start) }),
        plan: { plan: "team", version: 1, definition: plan, createdAt: new Date(JAN) },
      },
    ],
    features: CATALOG,
    grants: [],
    overrides: [],
    entities: seats.map((id) => ({ id, feature: "seats" })),
  });
  return { plan, definition: { ...definition, grants, overrides } };
}

/** The pitch's plan (PRODUCT §3): seats, 100 premium and 1000 cheap messages per seat, priced beyond. */
const PITCH_ITEMS: Items = [
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
  { type: "feature", feature: "api-calls", included: 5000, reset: "day" },
];

interface UsageEvent {
  feature: string;
  entity?: string;
  value: number;
  at: number;
}

/** What the aggregators answer from these events: sums per feature, and per (feature, entity). */
function totalsOf(events: readonly UsageEvent[]) {
  return (from: number, to: number): PeriodTotalsResult["totals"] => {
    const sums = new Map<string, { feature: string; entity: string | null; value: number }>();
    for (const event of events) {
      if (event.at < from || event.at >= to) continue;
      for (const entity of event.entity === undefined ? [null] : [null, event.entity]) {
        const key = `${event.feature}:${entity}`;
        const total = sums.get(key) ?? { feature: event.feature, entity, value: 0 };
        total.value += event.value;
        sums.set(key, total);
      }
    }
    return [...sums.values()];
  };
}

/** Both phases of a close, failing when the second reads a range the first did not list. */
function closePeriod({
  customer,
  period,
  events,
  openingLedgers = [],
}: {
  customer: { plan: PlanDefinition; definition: CustomerDefinition };
  period: { start: number; end: number };
  events: readonly UsageEvent[];
  openingLedgers?: Ledger[];
}) {
  const { plan, definition } = customer;
  const input = { definition, plan, periodStart: period.start, periodEnd: period.end };
  const ranges = usageRangesOf(input);
  const listed = new Set(ranges.map((range) => `${range.from}:${range.to}`));
  const all = totalsOf(events);
  const totals = (from: number, to: number) => {
    if (!listed.has(`${from}:${to}`)) throw new Error(`[${from}, ${to}) was not listed by usageRangesOf`);
    return all(from, to);
  };
  const result = computeUsageCharges({
    ...input,
    planId: "team",
    currency: plan.currency,
    totals,
    openingLedgers,
    featureNames: NAMES,
  });
  return { ranges, ...result };
}

/** The lines as an invoice shows them. */
function shown(lines: UsageChargeLine[], currency = "USD") {
  return lines.map((line) => ({
    feature: line.feature,
    entity: line.entity,
    quantity: line.quantity,
    unitAmount: line.unitAmount?.toString() ?? null,
    amount: toMoneyString(line.amount, currency),
  }));
}

const at = (day: number, from = JAN) => from + (day - 1) * DAY + 3_600_000;
const usage = (feature: string, value: number, fields: Partial<UsageEvent> = {}): UsageEvent => ({
  feature,
  value,
  at: at(10),
  ...fields,
});

describe("the pitch's plan: per-seat premium and cheap messages, priced beyond each seat's allowance", () => {
  const customer = aCustomerOn(PITCH_ITEMS, { seats: ["user_a", "user_b"] });
  const events = [
    usage("premium-messages", 150, { entity: "user_a" }),
    usage("premium-messages", 80, { entity: "user_b" }),
    usage("cheap-messages", 1200, { entity: "user_a" }),
    usage("cheap-messages", 500, { entity: "user_b" }),
    usage("api-calls", 9000),
  ];

  it("bills seat A's 50 premium messages beyond its 100, and nothing for seat B's unused 20", () => {
    const { lines } = closePeriod({ customer, period: month(1), events });
    expect(shown(lines)).toEqual([
      { feature: "premium-messages", entity: "user_a", quantity: 50, unitAmount: "0.2", amount: "10.00" },
      { feature: "cheap-messages", entity: "user_a", quantity: 200, unitAmount: "0.02", amount: "4.00" },
    ]);
    expect(lines[0]).toMatchObject({
      plan: "team",
      description: "Premium model messages (user_a): 50 × 0.20 beyond 100 included",
      periodStart: month(1).start,
      periodEnd: month(1).end,
    });
  });

  it("asks for the month's totals only: the unpriced daily api-calls need none", () => {
    expect(closePeriod({ customer, period: month(1), events }).ranges).toEqual<UsageRange[]>([
      { from: month(1).start, to: month(1).end },
    ]);
  });

  it("takes what the customer's grants absorbed off the seats in seat-id order", () => {
    const granted = aCustomerOn(PITCH_ITEMS, {
      seats: ["user_a", "user_b"],
      grants: [aGrant({ id: "promo", feature: "premium-messages", amount: 60 })],
    });
    const over = [
      usage("premium-messages", 150, { entity: "user_a" }),
      usage("premium-messages", 130, { entity: "user_b" }),
    ];
    // Seats' overage 50 + 30, the promo absorbs 60: user_a's 50, then 10 of user_b's.
    expect(shown(closePeriod({ customer: granted, period: month(1), events: over }).lines)).toEqual([
      { feature: "premium-messages", entity: "user_b", quantity: 20, unitAmount: "0.2", amount: "4.00" },
    ]);
  });

  it("bills usage of no seat as the customer's, with no allowance of its own", () => {
    const over = [usage("premium-messages", 150, { entity: "user_a" }), usage("premium-messages", 20)];
    const { lines } = closePeriod({ customer, period: month(1), events: over });
    expect(shown(lines)).toEqual([
      { feature: "premium-messages", entity: null, quantity: 20, unitAmount: "0.2", amount: "4.00" },
      { feature: "premium-messages", entity: "user_a", quantity: 50, unitAmount: "0.2", amount: "10.00" },
    ]);
    expect(lines[0]!.description).toBe("Premium model messages (usage of no seat): 20 × 0.20");
  });

  it("bills a pooled allowance of included × seats as one customer line", () => {
    const pooled = aCustomerOn(
      [{ ...(PITCH_ITEMS![2] as Extract<Item, { type: "feature" }>), pooled: true }, PITCH_ITEMS![1]!],
      { seats: ["user_a", "user_b"] },
    );
    const over = [
      usage("premium-messages", 150, { entity: "user_a" }),
      usage("premium-messages", 80, { entity: "user_b" }),
    ];
    expect(shown(closePeriod({ customer: pooled, period: month(1), events: over }).lines)).toEqual([
      { feature: "premium-messages", entity: null, quantity: 30, unitAmount: "0.2", amount: "6.00" },
    ]);
  });
});

const exportsItem = (fields: Partial<Extract<Item, { type: "feature" }>> = {}): Item => ({
  type: "feature",
  feature: "exports",
  included: 100,
  price: { model: "per_unit", unitAmount: "0.20" },
  ...fields,
});
const tiers = (
  first: { unitAmount?: string; flatAmount?: string },
  rest: { unitAmount?: string; flatAmount?: string },
) => [
  { upTo: 100, ...first },
  { upTo: null, ...rest },
];
const ledger = (fields: Partial<Ledger>): Ledger => ({
  feature: "exports",
  entity: null,
  periodStart: month(1).start,
  rolledOver: 0,
  grantsUsed: {},
  ...fields,
});

describe("a customer-wide feature in a monthly period", () => {
  it.each<{
    name: string;
    item: Item;
    used: number;
    grants?: Grant[];
    openingLedgers?: Ledger[];
    line: { quantity: number; unitAmount: string | null; amount: string } | null;
  }>([
    { name: "bills usage beyond the allowance", item: exportsItem(), used: 150, line: q(50, "0.2", "10.00") },
    { name: "bills nothing within the allowance", item: exportsItem(), used: 100, line: null },
    {
      name: "lets a grant absorb part of the overage",
      item: exportsItem(),
      used: 150,
      grants: [aGrant({ id: "promo", feature: "exports", amount: 30 })],
      line: q(20, "0.2", "4.00"),
    },
    {
      name: "bills more when an earlier period used part of the grant (opening ledger)",
      item: exportsItem(),
      used: 150,
      grants: [aGrant({ id: "promo", feature: "exports", amount: 50 })],
      openingLedgers: [ledger({ grantsUsed: { promo: 30 } })],
      line: q(30, "0.2", "6.00"),
    },
    {
      name: "burns grants by priority: a later-priority grant that expires mid-month goes unused",
      item: exportsItem({ included: 0 }),
      used: 200,
      grants: [
        aGrant({ id: "first", feature: "exports", amount: 100, priority: 1 }),
        aGrant({ id: "expiring", feature: "exports", amount: 100, priority: 5, expiresAt: JAN + 15 * DAY }),
      ],
      // Usage spread over the month: 97 before the 16th, all "first"'s; then 3 more of it and 100 beyond.
      line: q(100, "0.2", "20.00"),
    },
    {
      name: "adds the rollover of the opening ledger to the allowance",
      item: exportsItem({ rollover: { max: 50 } }),
      used: 150,
      openingLedgers: [ledger({ rolledOver: 30 })],
      line: q(20, "0.2", "4.00"),
    },
    {
      name: "bills whole packages",
      item: exportsItem({ price: { model: "package", unitAmount: "5.00", packageSize: 100 } }),
      used: 350,
      line: q(250, null, "15.00"),
    },
    {
      name: "prices graduated tiers with every entered tier's flat fee",
      item: exportsItem({
        price: { model: "graduated", tiers: tiers({ unitAmount: "0.10", flatAmount: "2.00" }, { unitAmount: "0.05" }) },
      }),
      used: 350,
      // 100 × 0.10 + 2.00 + 150 × 0.05
      line: q(250, null, "19.50"),
    },
    {
      name: "charges a graduated price's first-tier flat fee at zero overage",
      item: exportsItem({
        price: { model: "graduated", tiers: tiers({ unitAmount: "0.10", flatAmount: "2.00" }, { unitAmount: "0.05" }) },
      }),
      used: 40,
      line: q(0, null, "2.00"),
    },
    {
      name: "prices every unit by the volume tier the quantity falls in",
      item: exportsItem({
        price: { model: "volume", tiers: tiers({ unitAmount: "0.10" }, { unitAmount: "0.05", flatAmount: "1.00" }) },
      }),
      used: 350,
      line: q(250, null, "13.50"),
    },
    {
      name: "charges a volume price's first-tier flat fee at zero overage",
      item: exportsItem({
        price: { model: "volume", tiers: tiers({ unitAmount: "0.10", flatAmount: "3.00" }, { unitAmount: "0.05" }) },
      }),
      used: 0,
      line: q(0, null, "3.00"),
    },
    {
      name: "bills nothing at zero overage for tiers without a first flat fee",
      item: exportsItem({
        price: { model: "volume", tiers: tiers({ unitAmount: "0.10", flatAmount: "0" }, { unitAmount: "0.05" }) },
      }),
      used: 90,
      line: null,
    },
    {
      name: "bills nothing without a price (a hard limit)",
      item: exportsItem({ price: undefined }),
      used: 150,
      line: null,
    },
    {
      name: "bills no percentage price: it needs each event's value, which totals lack",
      item: exportsItem({ price: { model: "percentage", rate: "2.9", fixedAmount: "0.30" } }),
      used: 150,
      line: null,
    },
    {
      name: "bills fractional quantities",
      item: exportsItem({ price: { model: "per_unit", unitAmount: "0.10" } }),
      used: 150.5,
      line: q(50.5, "0.1", "5.05"),
    },
  ])("$name", ({ item, used, grants, openingLedgers, line }) => {
    const customer = aCustomerOn([item], { grants });
    const { lines } = closePeriod({ customer, period: month(1), events: [usage("exports", used)], openingLedgers });
    expect(shown(lines)).toEqual(line === null ? [] : [{ feature: "exports", entity: null, ...line }]);
  });

  it("bills nothing for a feature an override makes unlimited", () => {
    const customer = aCustomerOn([exportsItem()], {
      overrides: { exports: { feature: "exports", enabled: true, included: "unlimited", expiresAt: null } },
    });
    expect(closePeriod({ customer, period: month(1), events: [usage("exports", 10_000)] }).lines).toEqual([]);
  });

  it("asks for no totals when nothing of the plan is priced by quantity", () => {
    const customer = aCustomerOn([exportsItem({ price: { model: "percentage", rate: "1" } })]);
    expect(usageRangesOf({ ...customer, periodStart: month(1).start, periodEnd: month(1).end })).toEqual([]);
  });

  it("sums units of fractional usage without binary noise", () => {
    const customer = aCustomerOn([
      { type: "feature", feature: "storage-gb", included: 0.5, price: { model: "per_unit", unitAmount: "1.00" } },
    ]);
    const events = [0.1, 0.2, 0.4].map((value) => usage("storage-gb", value));
    const { lines } = closePeriod({ customer, period: month(1), events });
    expect(shown(lines)).toEqual([
      { feature: "storage-gb", entity: null, quantity: 0.2, unitAmount: "1", amount: "0.20" },
    ]);
    expect(lines[0]!.description).toBe("storage-gb: 0.2 × 1.00 beyond 0.5 included");
  });

  it.each([
    { currency: "JPY", unitAmount: "0.5", amount: "2" },
    { currency: "KWD", unitAmount: "0.0005", amount: "0.002" },
    { currency: "KWD", unitAmount: "0.0004", amount: "0.001" },
  ])(
    "rounds a $currency line half-up to its minor unit: 3 × $unitAmount = $amount",
    ({ currency, unitAmount, amount }) => {
      const customer = aCustomerOn([exportsItem({ price: { model: "per_unit", unitAmount } })], { currency });
      const { lines } = closePeriod({ customer, period: month(1), events: [usage("exports", 103)] });
      expect(shown(lines, currency)).toEqual([
        { feature: "exports", entity: null, quantity: 3, unitAmount: new Decimal(unitAmount).toString(), amount },
      ]);
    },
  );
});

function q(quantity: number, unitAmount: string | null, amount: string) {
  return { quantity, unitAmount, amount };
}

describe("credits paying for features", () => {
  const creditsItems = (creditsPrice: boolean): Items => [
    {
      type: "feature",
      feature: "ai-credits",
      included: 500,
      ...(creditsPrice ? { price: { model: "per_unit" as const, unitAmount: "0.01" } } : {}),
    },
    // Its own 10 a month, then 5 credits each; a price of its own never bills what the credits pay.
    { type: "feature", feature: "premium-messages", included: 10, price: { model: "per_unit", unitAmount: "0.50" } },
  ];
  // Premium: 110 beyond its 10 → 550 credits; cheap (credits only) 30 → 30 credits: 580 drawn from 500.
  const events = [usage("premium-messages", 120), usage("cheap-messages", 30)];

  it("bills the credits drawn beyond the credits' allowance on the credits feature, at its price", () => {
    const { lines, ranges } = closePeriod({ customer: aCustomerOn(creditsItems(true)), period: month(1), events });
    expect(shown(lines)).toEqual([
      { feature: "ai-credits", entity: null, quantity: 80, unitAmount: "0.01", amount: "0.80" },
    ]);
    expect(ranges).toEqual([{ from: month(1).start, to: month(1).end }]);
  });

  it("bills nothing when the credits have no price", () => {
    expect(closePeriod({ customer: aCustomerOn(creditsItems(false)), period: month(1), events }).lines).toEqual([]);
  });
});

describe("reset windows other than the billing period", () => {
  const daily = (fields: Partial<Extract<Item, { type: "feature" }>> = {}): Item => ({
    type: "feature",
    feature: "api-calls",
    included: 100,
    reset: "day",
    price: { model: "per_unit", unitAmount: "0.01" },
    ...fields,
  });

  it("bills the sum of the daily overages of a daily allowance priced in a monthly period", () => {
    const events = [150, 80, 130].map((value, index) => usage("api-calls", value, { at: at(index + 1) }));
    const { lines, ranges } = closePeriod({ customer: aCustomerOn([daily()]), period: month(1), events });
    expect(shown(lines)).toEqual([
      { feature: "api-calls", entity: null, quantity: 80, unitAmount: "0.01", amount: "0.80" },
    ]);
    expect(lines[0]!.description).toBe("api-calls: 80 × 0.01 beyond 100 included per day");
    expect(ranges).toHaveLength(31);
    expect(ranges[30]).toEqual({ from: month(2).start - DAY, to: month(2).start });
  });

  it("carries each day's rollover into the next through the ledgers", () => {
    // Day 1 leaves 40 (rolled), day 2 uses 130 of 140 and leaves 10, day 3 uses 150 of 110.
    const events = [60, 130, 150].map((value, index) => usage("api-calls", value, { at: at(index + 1) }));
    const customer = aCustomerOn([daily({ rollover: { max: 50 } })]);
    const { lines, closingLedgers } = closePeriod({ customer, period: month(1), events });
    expect(shown(lines)).toEqual([
      { feature: "api-calls", entity: null, quantity: 40, unitAmount: "0.01", amount: "0.40" },
    ]);
    // Four days without usage since: the rollover is back at its maximum.
    expect(closingLedgers).toEqual<Ledger[]>([
      { feature: "api-calls", entity: null, periodStart: month(2).start, rolledOver: 50, grantsUsed: {} },
    ]);
  });

  describe("a yearly allowance billed monthly", () => {
    const customer = aCustomerOn([
      exportsItem({ included: 1000, reset: "year", price: { model: "per_unit", unitAmount: "0.10" } }),
    ]);
    const events = [800, 400, 300].map((value, index) =>
      usage("exports", value, { at: at(10, month(index + 1).start) }),
    );

    it("bills each month only the overage that accrued in it", () => {
      let openingLedgers: Ledger[] = [];
      const amounts: string[][] = [];
      for (const n of [1, 2, 3]) {
        const close = closePeriod({ customer, period: month(n), events, openingLedgers });
        openingLedgers = close.closingLedgers;
        amounts.push(close.lines.map((line) => `${line.quantity} → ${toMoneyString(line.amount, "USD")}`));
      }
      expect(amounts).toEqual([[], ["200 → 20.00"], ["300 → 30.00"]]);
    });

    it("asks for the window's totals as of the period's start and end", () => {
      expect(closePeriod({ customer, period: month(3), events }).ranges).toEqual<UsageRange[]>([
        { from: JAN, to: month(3).start },
        { from: JAN, to: month(3).end },
      ]);
    });
  });

  it("bills a weekly window that runs past the period's end incrementally on the next invoice", () => {
    // Weeks anchored on 1 January: the fifth runs from 29 January to 5 February.
    const customer = aCustomerOn([exportsItem({ reset: "week" })]);
    const events = [usage("exports", 130, { at: at(30) }), usage("exports", 40, { at: at(3, month(2).start) })];
    const january = closePeriod({ customer, period: month(1), events });
    const february = closePeriod({ customer, period: month(2), events, openingLedgers: january.closingLedgers });
    expect(january.lines.map((line) => line.quantity)).toEqual([30]);
    expect(february.lines.map((line) => line.quantity)).toEqual([40]);
  });
});

describe("ledgers from one close to the next", () => {
  const customer = aCustomerOn([exportsItem({ rollover: { max: 50 } })]);

  it("closes with the ledgers as of the period's end, which the next close opens with", () => {
    const events = [usage("exports", 60), usage("exports", 150, { at: at(10, month(2).start) })];
    const january = closePeriod({ customer, period: month(1), events });
    expect(january.closingLedgers).toEqual<Ledger[]>([ledger({ periodStart: month(2).start, rolledOver: 40 })]);
    const february = closePeriod({ customer, period: month(2), events, openingLedgers: january.closingLedgers });
    // 150 against 100 + 40 rolled over.
    expect(shown(february.lines)).toEqual([
      { feature: "exports", entity: null, quantity: 10, unitAmount: "0.2", amount: "2.00" },
    ]);
  });
});

// ---------------------------------------------------------------------------------------------------------
// Properties

const monthlyUsage = fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 12, maxLength: 12 });

describe("properties", () => {
  it("a yearly window billed monthly is billed once in all: the monthly quantities add up to the year's overage", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1500 }),
        fc.option(fc.integer({ min: 0, max: 800 })),
        monthlyUsage,
        monthlyUsage,
        monthlyUsage,
        (included, grant, seatA, seatB, noSeat) => {
          const customer = aCustomerOn(
            [
              PITCH_ITEMS![1]!,
              exportsItem({ included, reset: "year", per: "seat" }),
              {
                type: "feature",
                feature: "storage-gb",
                included,
                reset: "year",
                price: { model: "per_unit", unitAmount: "0.10" },
              },
            ],
            {
              seats: ["user_a", "user_b"],
              grants: grant === null ? [] : [aGrant({ id: "promo", feature: "exports", amount: grant })],
            },
          );
          const events = [
            ...seatA.map((value, index) =>
              usage("exports", value, { entity: "user_a", at: at(5, month(index + 1).start) }),
            ),
            ...seatB.map((value, index) =>
              usage("exports", value, { entity: "user_b", at: at(20, month(index + 1).start) }),
            ),
            ...noSeat.map((value, index) => usage("exports", value, { at: at(28, month(index + 1).start) })),
            ...seatA.map((value, index) =>
              usage("storage-gb", value + noSeat[index]!, { at: at(7, month(index + 1).start) }),
            ),
          ];
          const monthly = new Map<string, number>();
          let openingLedgers: Ledger[] = [];
          for (let n = 1; n <= 12; n++) {
            const close = closePeriod({ customer, period: month(n), events, openingLedgers });
            openingLedgers = close.closingLedgers;
            for (const line of close.lines) {
              const key = `${line.feature}:${line.entity}`;
              monthly.set(key, (monthly.get(key) ?? 0) + line.quantity);
            }
          }
          const yearly = new Map<string, number>();
          for (const line of closePeriod({ customer, period: YEAR, events }).lines) {
            yearly.set(`${line.feature}:${line.entity}`, line.quantity);
          }
          expect(monthly).toEqual(yearly);
          const counters = countersOf(events, YEAR);
          for (const feature of ["exports", "storage-gb"]) {
            const state = { definition: customer.definition, counters, ledgers: [], pending: [] };
            const balance = featureBalance({ state, feature, entity: null, at: YEAR.end - 1 });
            const billed = [...yearly]
              .filter(([key]) => key.startsWith(`${feature}:`))
              .reduce((sum, [, v]) => sum + v, 0);
            expect(billed).toBe(balance!.burn!.overage);
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("a daily allowance bills the sum of each day's usage beyond it", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 }),
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 28, maxLength: 28 }),
        (included, days) => {
          const customer = aCustomerOn([exportsItem({ included, reset: "day" })]);
          const events = days.map((value, index) => usage("exports", value, { at: at(index + 1, month(2).start) }));
          const { lines } = closePeriod({ customer, period: month(2), events });
          const expected = days.reduce((sum, used) => sum + Math.max(0, used - included), 0);
          expect(lines.reduce((sum, line) => sum + line.quantity, 0)).toBe(expected);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("bills the overage GET /usage shows at the period's end", () => {
    fc.assert(
      fc.property(
        fc.record({
          included: fc.integer({ min: 0, max: 300 }),
          perSeat: fc.boolean(),
          rolledOver: fc.integer({ min: 0, max: 100 }),
          grant: fc.option(
            fc.record({ amount: fc.integer({ min: 0, max: 300 }), used: fc.integer({ min: 0, max: 300 }) }),
          ),
          seatA: fc.integer({ min: 0, max: 600 }),
          seatB: fc.integer({ min: 0, max: 600 }),
          noSeat: fc.integer({ min: 0, max: 200 }),
        }),
        ({ included, perSeat, rolledOver, grant, seatA, seatB, noSeat }) => {
          const customer = aCustomerOn(
            [PITCH_ITEMS![1]!, exportsItem({ included, per: perSeat ? "seat" : "customer", rollover: { max: 100 } })],
            {
              seats: ["user_a", "user_b"],
              grants: grant === null ? [] : [aGrant({ id: "promo", feature: "exports", amount: grant.amount })],
            },
          );
          const opening = [ledger({ rolledOver, grantsUsed: grant === null ? {} : { promo: grant.used } })];
          const openingLedgers = perSeat
            ? [
                ledger({ entity: "user_a", rolledOver }),
                ledger({ entity: "user_b" }),
                { ...opening[0]!, rolledOver: 0 },
              ]
            : opening;
          const events = [
            usage("exports", seatA, { entity: "user_a" }),
            usage("exports", seatB, { entity: "user_b", at: at(20) }),
            usage("exports", noSeat, { at: at(25) }),
          ];
          const { lines } = closePeriod({ customer, period: month(1), events, openingLedgers });
          const state = {
            definition: customer.definition,
            counters: countersOf(events, month(1)),
            ledgers: openingLedgers,
            pending: [],
          };
          const shownUsage = summarizeUsage({ state, at: month(1).end - 1 }).find((f) => f.feature === "exports");
          expect(lines.reduce((sum, line) => sum + line.quantity, 0)).toBe(shownUsage!.overage);
        },
      ),
      { numRuns: 100 },
    );
  });

  it("rounds every line to its currency's minor unit, half-up, from the exact price", () => {
    const decimal = (places: number) =>
      fc
        .tuple(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 10 ** places - 1 }))
        .map(([units, fraction]) => `${units}.${String(fraction).padStart(places, "0")}`);
    const price: fc.Arbitrary<QuantityPrice> = fc.oneof(
      decimal(6).map((unitAmount) => ({ model: "per_unit" as const, unitAmount })),
      fc
        .tuple(decimal(4), fc.integer({ min: 1, max: 50 }))
        .map(([unitAmount, packageSize]) => ({ model: "package" as const, unitAmount, packageSize })),
      fc.tuple(decimal(5), decimal(3), decimal(5)).map(([first, flatAmount, rest]) => ({
        model: "graduated" as const,
        tiers: tiers({ unitAmount: first, flatAmount }, { unitAmount: rest }),
      })),
    );
    fc.assert(
      fc.property(
        fc.constantFrom("USD", "JPY", "KWD", "CLF", "EUR"),
        price,
        fc.integer({ min: 0, max: 100_000 }),
        fc.integer({ min: 0, max: 99 }),
        (currency, itemPrice, units, hundredths) => {
          const used = 100 + units + hundredths / 100;
          const customer = aCustomerOn([exportsItem({ price: itemPrice })], { currency });
          const { lines } = closePeriod({ customer, period: month(1), events: [usage("exports", used)] });
          for (const line of lines) {
            expect(line.amount.decimalPlaces()).toBeLessThanOrEqual(minorUnits(currency));
            expect(line.amount.eq(roundMoney(ratePrice(itemPrice, line.quantity), currency))).toBe(true);
            expect(line.quantity).toBe(new Decimal(units).plus(new Decimal(hundredths).dividedBy(100)).toNumber());
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

/** The counters the owner holds at the end of `window` (monthly and yearly features counted over it). */
function countersOf(events: readonly UsageEvent[], window: { start: number; end: number }): UsageCounter[] {
  return totalsOf(events)(window.start, window.end).map((total) => ({
    ...total,
    periodStart: window.start,
    periodEnd: window.end,
  }));
}
