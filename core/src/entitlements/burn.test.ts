import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type BurnInput, burnUsage, simulateBurn, type UsagePeriod } from "./burn";
import type { Grant } from "./types";

function grant(fields: Partial<Grant> & Pick<Grant, "id">): Grant {
  return {
    feature: "ai-credits",
    amount: 100,
    priority: 0,
    expiresAt: null,
    createdAt: 0,
    voidedAt: null,
    ...fields,
  };
}

function burn(input: Partial<BurnInput>) {
  return burnUsage({
    periods: [{ start: 0, end: 1000, used: 0 }],
    allowancePerPeriod: 0,
    rolloverMax: null,
    grants: [],
    at: 500,
    ...input,
  });
}

describe("burnUsage: burn order after the period allowance", () => {
  it.each([
    {
      name: "a lower priority burns before an earlier expiry",
      grants: [
        grant({ id: "late-but-first", priority: 1, expiresAt: 5000 }),
        grant({ id: "soon", priority: 2, expiresAt: 2000 }),
      ],
      expected: { "late-but-first": 80, soon: 100 },
    },
    {
      name: "at equal priority the earliest expiry burns before the earliest creation",
      grants: [grant({ id: "old", createdAt: 0 }), grant({ id: "expiring", createdAt: 1, expiresAt: 3000 })],
      expected: { old: 100, expiring: 80 },
    },
    {
      name: "a grant that never expires burns after one that does",
      grants: [grant({ id: "forever", expiresAt: null }), grant({ id: "dated", expiresAt: 9000 })],
      expected: { forever: 100, dated: 80 },
    },
    {
      name: "at equal priority and expiry the earliest creation burns first",
      grants: [grant({ id: "newer", createdAt: 2 }), grant({ id: "older", createdAt: 1 })],
      expected: { newer: 100, older: 80 },
    },
  ])("$name", ({ grants, expected }) => {
    const result = burn({ periods: [{ start: 0, end: 1000, used: 30 }], allowancePerPeriod: 10, grants });
    expect(Object.fromEntries(result.grantRemaining)).toEqual(expected);
    expect(result.allowanceRemaining).toBe(0);
    expect(result.balance).toBe(180);
  });

  it("burns the period allowance before any grant", () => {
    const result = burn({
      periods: [{ start: 0, end: 1000, used: 60 }],
      allowancePerPeriod: 100,
      grants: [grant({ id: "g" })],
    });
    expect(result).toMatchObject({ allowanceRemaining: 40, overage: 0, balance: 140 });
    expect(result.grantRemaining.get("g")).toBe(100);
  });

  it("spills into the next grant when the first runs out, then into overage", () => {
    const result = burn({
      periods: [{ start: 0, end: 1000, used: 250 }],
      grants: [grant({ id: "a", priority: 1 }), grant({ id: "b", priority: 2 })],
    });
    expect(Object.fromEntries(result.grantRemaining)).toEqual({ a: 0, b: 0 });
    expect(result).toMatchObject({ overage: 50, balance: -50 });
  });
});

describe("burnUsage: expiry, voids and creation in time", () => {
  it("an expiring grant takes only its unused part with it", () => {
    const result = burn({
      periods: [
        { start: 0, end: 1000, used: 70 },
        { start: 1000, end: 2000, used: 10 },
      ],
      grants: [grant({ id: "promo", expiresAt: 1000 })],
      at: 1500,
    });
    expect(result.grantRemaining.has("promo")).toBe(false);
    expect(result).toMatchObject({ used: 10, overage: 10, balance: -10 });
  });

  it("a grant expiring mid-period absorbs the usage spread before its expiry only", () => {
    const result = burn({
      periods: [{ start: 0, end: 2000, used: 100 }],
      grants: [grant({ id: "promo", amount: 1000, expiresAt: 500 })],
      at: 1000,
    });
    expect(result).toMatchObject({ overage: 50, balance: -50 });
  });

  it("a voided grant stops counting from its void and keeps what it absorbed", () => {
    const result = burn({
      periods: [{ start: 0, end: 2000, used: 100 }],
      grants: [grant({ id: "voided", amount: 1000, voidedAt: 500 })],
      at: 1000,
    });
    expect(result.grantRemaining.size).toBe(0);
    expect(result).toMatchObject({ overage: 50, balance: -50 });
  });

  it("a grant created mid-period absorbs only the usage after its creation", () => {
    const result = burn({
      periods: [{ start: 0, end: 2000, used: 100 }],
      grants: [grant({ id: "top-up", amount: 1000, createdAt: 500 })],
      at: 1000,
    });
    expect(result.grantRemaining.get("top-up")).toBe(950);
    expect(result).toMatchObject({ overage: 50, balance: 900 });
  });

  it("does not count a grant created after `at`", () => {
    const result = burn({ grants: [grant({ id: "future", createdAt: 600 })], at: 500 });
    expect(result.grantRemaining.size).toBe(0);
    expect(result.balance).toBe(0);
  });

  it("carries grants across periods while the allowance resets", () => {
    const result = burn({
      periods: [
        { start: 0, end: 1000, used: 130 },
        { start: 1000, end: 2000, used: 20 },
      ],
      allowancePerPeriod: 100,
      grants: [grant({ id: "g" })],
      at: 1500,
    });
    expect(result.grantRemaining.get("g")).toBe(70);
    expect(result).toMatchObject({ allowance: 100, allowanceRemaining: 80, balance: 150 });
  });
});

describe("burnUsage: rollover and overage", () => {
  it.each([
    { name: "carries unused allowance up to the max", rolloverMax: 30, used: [40, 0], rolledOver: 30, balance: 130 },
    {
      name: "carries less than the max when less is unused",
      rolloverMax: 30,
      used: [90, 0],
      rolledOver: 10,
      balance: 110,
    },
    { name: "carries nothing without rollover", rolloverMax: null, used: [0, 0], rolledOver: 0, balance: 100 },
    { name: "carries nothing after an overage", rolloverMax: 30, used: [150, 0], rolledOver: 0, balance: 100 },
    { name: "caps a rollover that would compound", rolloverMax: 30, used: [0, 0, 0], rolledOver: 30, balance: 130 },
  ])("$name", ({ rolloverMax, used, rolledOver, balance }) => {
    const periods = used.map((value, index) => ({ start: index * 1000, end: (index + 1) * 1000, used: value }));
    const result = burn({ periods, allowancePerPeriod: 100, rolloverMax, at: periods.length * 1000 - 1 });
    expect(result).toMatchObject({ rolledOver, balance });
  });

  it("goes negative by the overage", () => {
    const result = burn({ periods: [{ start: 0, end: 1000, used: 150 }], allowancePerPeriod: 100 });
    expect(result).toMatchObject({ used: 150, overage: 50, balance: -50 });
  });

  it("charges a net negative usage (corrections) as zero", () => {
    const result = burn({ periods: [{ start: 0, end: 1000, used: -5 }], allowancePerPeriod: 100 });
    expect(result).toMatchObject({ used: 0, balance: 100 });
  });

  it("treats a `never` period as open-ended", () => {
    const result = burn({ periods: [{ start: 0, end: null, used: 3 }], allowancePerPeriod: 5, at: 10 ** 12 });
    expect(result).toMatchObject({ periodEnd: null, balance: 2 });
  });

  it("refuses periods that do not reach `at`", () => {
    expect(() => burn({ periods: [{ start: 0, end: 1000, used: 0 }], at: 1000 })).toThrow(RangeError);
    expect(() => burn({ periods: [], at: 0 })).toThrow(RangeError);
  });
});

describe("burnUsage properties", () => {
  const scenario = fc
    .record({
      durations: fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 5 }),
      used: fc.array(fc.integer({ min: -20, max: 400 }), { minLength: 5, maxLength: 5 }),
      allowance: fc.integer({ min: 0, max: 150 }),
      rolloverMax: fc.option(fc.integer({ min: 0, max: 100 })),
      grants: fc.array(
        fc.record({
          amount: fc.integer({ min: 0, max: 200 }),
          priority: fc.integer({ min: 0, max: 3 }),
          createdAt: fc.integer({ min: 0, max: 5000 }),
          expiresAt: fc.option(fc.integer({ min: 0, max: 5000 })),
          voidedAt: fc.option(fc.integer({ min: 0, max: 5000 }), { freq: 4 }),
        }),
        { maxLength: 6 },
      ),
      atOffset: fc.double({ min: 0, max: 0.999, noNaN: true }),
    })
    .map(({ durations, used, allowance, rolloverMax, grants, atOffset }) => {
      const periods: UsagePeriod[] = [];
      let start = 0;
      durations.forEach((duration, index) => {
        periods.push({ start, end: start + duration, used: used[index] ?? 0 });
        start += duration;
      });
      const last = periods.at(-1)!;
      const at = last.start + Math.floor(atOffset * (last.end! - last.start));
      return {
        periods,
        allowancePerPeriod: allowance,
        rolloverMax,
        grants: grants.map((fields, index) => grant({ id: `g${index}`, ...fields })),
        at,
      };
    });

  it("charges every unit of usage exactly once: allowance + grants + overage = usage", () => {
    fc.assert(
      fc.property(scenario, (input) => {
        for (const period of simulateBurn(input).periods) {
          const fromGrants = [...period.grantUsed.values()].reduce((sum, value) => sum + value, 0);
          expect(period.allowanceUsed + fromGrants + period.overage).toBe(period.used);
          expect(period.allowanceUsed).toBeLessThanOrEqual(period.allowance + period.rolledOver);
          expect(period.overage).toBeGreaterThanOrEqual(0);
          if (input.rolloverMax === null) expect(period.rolledOver).toBe(0);
          else expect(period.rolledOver).toBeLessThanOrEqual(input.rolloverMax);
        }
      }),
    );
  });

  it("never burns a grant beyond its amount, nor outside its lifetime", () => {
    fc.assert(
      fc.property(scenario, (input) => {
        const { periods, grantLeft } = simulateBurn(input);
        for (const g of input.grants) {
          const burned = periods.reduce((sum, period) => sum + (period.grantUsed.get(g.id) ?? 0), 0);
          expect(burned).toBeLessThanOrEqual(g.amount);
          expect(grantLeft.get(g.id)).toBe(g.amount - burned);
          const ends = Math.min(g.expiresAt ?? Number.POSITIVE_INFINITY, g.voidedAt ?? Number.POSITIVE_INFINITY);
          for (const period of periods) {
            const touched = (period.grantUsed.get(g.id) ?? 0) > 0;
            if (touched)
              expect(period.start < ends && (period.end ?? Number.POSITIVE_INFINITY) > g.createdAt).toBe(true);
          }
        }
      }),
    );
  });

  it("with grants active throughout one period, balance = allowance + grants − usage", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 500 }),
        fc.integer({ min: 0, max: 200 }),
        fc.array(fc.integer({ min: 0, max: 100 }), { maxLength: 5 }),
        (used, allowance, amounts) => {
          const grants = amounts.map((amount, index) => grant({ id: `g${index}`, amount }));
          const result = burn({ periods: [{ start: 0, end: 1000, used }], allowancePerPeriod: allowance, grants });
          const total = amounts.reduce((sum, amount) => sum + amount, 0);
          expect(result.balance).toBe(allowance + total - used);
        },
      ),
    );
  });
});
