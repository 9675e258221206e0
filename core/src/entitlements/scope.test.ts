import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Ledger } from "../pipeline/messages";
import { periodOfSchedule } from "../usage/counter-period";
import { burnUsage, type UsagePeriod } from "./burn";
import { burnScope, ledgerAt, type Scope } from "./scope";
import { aGrant, aMonth, anEntitlement } from "./testing";

const DAY = 86_400_000;
const MONTHLY = anEntitlement().reset;

/** A monthly scope (periods from January 2026, see `aMonth`) of 100 units, no rollover, grants or history. */
function aScope(fields: Partial<Scope> = {}): Scope {
  return {
    feature: "f",
    entity: null,
    schedule: MONTHLY,
    allowance: 100,
    rolloverMax: null,
    grants: [],
    known: null,
    ledger: undefined,
    ...fields,
  };
}

/** What the counter knows: `used` in the month `month`. */
function usedIn(month: number, used: number): Scope["known"] {
  return { period: aMonth(month), used };
}

/** The `day`-th day (1-based) of the month `month`, at midnight. */
function dayOf(month: number, day: number): number {
  return aMonth(month).start + (day - 1) * DAY;
}

function aLedger(fields: Partial<Ledger> & Pick<Ledger, "periodStart">): Ledger {
  return { feature: "f", entity: null, rolledOver: 0, grantsUsed: {}, ...fields };
}

describe("ledgerAt: rollover", () => {
  it.each([
    { name: "carries unused allowance up to the max", used: 40, rolloverMax: 30, rolledOver: 30 },
    { name: "carries less than the max when less is unused", used: 90, rolloverMax: 30, rolledOver: 10 },
    { name: "carries nothing after an overage", used: 150, rolloverMax: 30, rolledOver: 0 },
    { name: "carries nothing without rollover", used: 0, rolloverMax: null, rolledOver: 0 },
    { name: "charges a net negative usage (corrections) as none", used: -20, rolloverMax: 30, rolledOver: 30 },
  ])("$name", ({ used, rolloverMax, rolledOver }) => {
    const ledger = ledgerAt(aScope({ rolloverMax, known: usedIn(1, used) }), dayOf(2, 15));
    expect(ledger).toEqual(aLedger({ periodStart: aMonth(2).start, rolledOver }));
  });

  it.each([
    { month: 2, rolledOver: 0 },
    { month: 3, rolledOver: 100 },
    { month: 4, rolledOver: 200 },
    { month: 5, rolledOver: 250 },
    { month: 30, rolledOver: 250 },
  ])(
    "accumulates over empty periods of a gap, capped at the max: month $month opens with $rolledOver",
    ({ month, rolledOver }) => {
      const scope = aScope({ rolloverMax: 250, known: usedIn(1, 100) });
      expect(ledgerAt(scope, dayOf(month, 3))).toMatchObject({ periodStart: aMonth(month).start, rolledOver });
    },
  );

  it("chains the rollover over periods as the owner keeps a ledger at each move of the counter", () => {
    const base = aScope({ rolloverMax: 50 });
    const february = ledgerAt({ ...base, known: usedIn(1, 80) }, aMonth(2).start);
    expect(february.rolledOver).toBe(20);
    expect(burnScope({ ...base, known: usedIn(2, 60), ledger: february }, dayOf(2, 20), 0)).toMatchObject({
      allowance: 100,
      rolledOver: 20,
      balance: 60,
    });

    const march = ledgerAt({ ...base, known: usedIn(2, 60), ledger: february }, aMonth(3).start);
    expect(march.rolledOver).toBe(50);
    expect(burnScope({ ...base, known: usedIn(3, 200), ledger: march }, dayOf(3, 20), 0)).toMatchObject({
      rolledOver: 50,
      overage: 50,
      balance: -50,
    });
    expect(ledgerAt({ ...base, known: usedIn(3, 200), ledger: march }, aMonth(4).start).rolledOver).toBe(0);
  });

  it("charges the known usage that lies beyond a long empty gap after the kept ledger", () => {
    // Kept in January; the counter moved to June without a new ledger: June's usage still counts.
    const scope = aScope({ rolloverMax: 50, known: usedIn(6, 130), ledger: aLedger({ periodStart: aMonth(1).start }) });
    const owner = ledgerAt({ ...scope, known: null }, aMonth(6).start);
    expect(ledgerAt(scope, dayOf(7, 10))).toEqual(ledgerAt({ ...scope, ledger: owner }, dayOf(7, 10)));
    expect(ledgerAt(scope, dayOf(7, 10)).rolledOver).toBe(20);
  });

  it("rolls a daily scope over years of empty days", () => {
    const daily = { interval: "day" as const, anchor: "2026-01-01T00:00:00.000Z" };
    const first = periodOfSchedule(daily, Date.UTC(2026, 0, 1));
    const scope = aScope({ schedule: daily, allowance: 10, rolloverMax: 25, known: { period: first, used: 10 } });
    expect(ledgerAt(scope, Date.UTC(2031, 5, 1, 12))).toEqual(
      aLedger({ periodStart: Date.UTC(2031, 5, 1), rolledOver: 25 }),
    );
  });

  it("returns the kept ledger as is when it is of the period asked about", () => {
    const kept = aLedger({ periodStart: aMonth(3).start, rolledOver: 7, grantsUsed: { g: 3 } });
    expect(ledgerAt(aScope({ rolloverMax: 50, known: usedIn(1, 0), ledger: kept }), dayOf(3, 31))).toBe(kept);
  });

  it.each([
    { name: "no counter and no ledger", known: null },
    { name: "a counter of the period asked about", known: usedIn(4, 30) },
    { name: "a counter of a later period", known: usedIn(5, 30) },
  ])("opens with nothing carried given $name", ({ known }) => {
    expect(ledgerAt(aScope({ rolloverMax: 50, known }), dayOf(4, 2))).toEqual(
      aLedger({ periodStart: aMonth(4).start }),
    );
  });

  it("never rolls a scope that never resets", () => {
    const scope = aScope({ schedule: null, rolloverMax: 50, known: { period: { start: 0, end: null }, used: 10 } });
    expect(ledgerAt(scope, dayOf(9, 1))).toEqual(aLedger({ periodStart: 0 }));
    expect(burnScope(scope, dayOf(9, 1), 0)).toMatchObject({ periodStart: 0, periodEnd: null, balance: 90 });
  });
});

describe("ledgerAt and burnScope: grants across periods", () => {
  const grant = aGrant({ id: "g", createdAt: aMonth(1).start });

  it("a grant's units absorbed in period 1 are gone in period 2", () => {
    const scope = aScope({ allowance: 50, grants: [grant], known: usedIn(1, 110) });
    const february = ledgerAt(scope, aMonth(2).start);
    expect(february).toEqual(aLedger({ periodStart: aMonth(2).start, grantsUsed: { g: 60 } }));

    const burn = burnScope({ ...scope, known: usedIn(2, 70), ledger: february }, dayOf(2, 15), 0);
    expect(Object.fromEntries(burn.grantRemaining)).toEqual({ g: 20 });
    expect(burn).toMatchObject({ allowanceRemaining: 0, overage: 0, balance: 20 });
  });

  it("a reader rolls the grant's use on the fly while the counter still holds period 1", () => {
    const burn = burnScope(aScope({ allowance: 50, grants: [grant], known: usedIn(1, 110) }), dayOf(2, 15), 0);
    expect(burn).toMatchObject({ used: 0, allowanceRemaining: 50, balance: 90 });
  });

  it("an expiring grant takes only its unused part with it, absorbing the usage before its expiry", () => {
    const expiring = { ...grant, expiresAt: dayOf(2, 8) };
    const scope = aScope({ allowance: 0, grants: [expiring], known: usedIn(1, 30) });
    const february = ledgerAt(scope, aMonth(2).start);
    expect(february.grantsUsed).toEqual({ g: 30 });

    const before = burnScope({ ...scope, known: usedIn(2, 10), ledger: february }, dayOf(2, 5), 0);
    expect(before).toMatchObject({ overage: 0, balance: 60 });
    // 40 used over 1–15 February: the 20 before the 8th are the grant's, its other 50 expire, 20 are overage.
    const after = burnScope({ ...scope, known: usedIn(2, 40), ledger: february }, dayOf(2, 15), 0);
    expect(after.grantRemaining.size).toBe(0);
    expect(after).toMatchObject({ overage: 20, balance: -20 });
  });

  it("a voided grant stops counting from its void and keeps what it absorbed", () => {
    const voided = { ...grant, voidedAt: dayOf(2, 8) };
    const scope = aScope({ allowance: 0, grants: [voided], known: usedIn(2, 40) });
    const burn = burnScope(scope, dayOf(2, 15), 0);
    expect(burn.grantRemaining.size).toBe(0);
    expect(burn).toMatchObject({ overage: 20, balance: -20 });
    // Rolled at the period's end, the 40 are spread over all of February: a quarter came before the void.
    expect(ledgerAt(scope, aMonth(3).start).grantsUsed).toEqual({ g: 10 });
  });

  it("a grant voided before any usage counts for nothing", () => {
    const voided = { ...grant, voidedAt: aMonth(1).start };
    const burn = burnScope(aScope({ allowance: 0, grants: [voided], known: usedIn(1, 10) }), dayOf(1, 20), 0);
    expect(burn).toMatchObject({ overage: 10, balance: -10 });
  });

  const created = aMonth(1).start - DAY;
  const late = aMonth(12).start;
  it.each([
    {
      name: "a lower priority burns first, before an earlier expiry",
      grants: [
        aGrant({ id: "first", priority: 1, expiresAt: late + DAY, createdAt: created }),
        aGrant({ id: "soon", priority: 2, expiresAt: late, createdAt: created }),
      ],
    },
    {
      name: "at equal priority the earliest expiry burns first, before the earliest creation",
      grants: [
        aGrant({ id: "never-expires", createdAt: created - DAY }),
        aGrant({ id: "first", expiresAt: late, createdAt: created }),
      ],
    },
    {
      name: "at equal priority and expiry the earliest creation burns first",
      grants: [aGrant({ id: "newer", createdAt: created }), aGrant({ id: "first", createdAt: created - DAY })],
    },
  ])("burn order: $name, in one period and the ledger after it", ({ grants }) => {
    const scope = aScope({ allowance: 10, grants, known: usedIn(1, 30) });
    const burn = burnScope(scope, dayOf(1, 20), 0);
    expect(burn.grantRemaining.get("first")).toBe(80);
    expect(burn.balance).toBe(180);
    expect(ledgerAt(scope, aMonth(2).start).grantsUsed).toEqual({ first: 20 });
  });
});

describe("burnScope", () => {
  const NEVER = { period: { start: 0, end: null }, used: 60 };

  it("charges the usage of a scope that never resets when asked: grants active then absorb it", () => {
    const grant = aGrant({ id: "g", createdAt: aMonth(1).start });
    const burn = burnScope(aScope({ schedule: null, allowance: 0, grants: [grant], known: NEVER }), dayOf(6, 1), 0);
    expect(Object.fromEntries(burn.grantRemaining)).toEqual({ g: 40 });
    expect(burn).toMatchObject({ periodStart: 0, periodEnd: null, used: 60, overage: 0, balance: 40 });
  });

  it("charges a gauge's level to the grants active now, not to expired ones", () => {
    const expired = aGrant({ id: "old", amount: 3, createdAt: aMonth(1).start, expiresAt: aMonth(3).start });
    const active = aGrant({ id: "new", amount: 1, createdAt: aMonth(4).start });
    const scope = aScope({ schedule: null, allowance: 5, grants: [expired, active], known: { ...NEVER, used: 7 } });
    expect(burnScope(scope, dayOf(6, 1), 0)).toMatchObject({ overage: 1, balance: -1 });
  });

  it("charges pending usage on top of the counted usage", () => {
    expect(burnScope(aScope({ known: usedIn(1, 60) }), dayOf(1, 20), 15)).toMatchObject({ used: 75, balance: 25 });
  });

  it("reports a net usage below zero but charges nothing", () => {
    expect(burnScope(aScope({ known: usedIn(1, -5) }), dayOf(1, 20), 0)).toMatchObject({ used: -5, balance: 100 });
  });

  it("reports the period of `at`, not the counter's", () => {
    expect(burnScope(aScope({ known: usedIn(1, 60) }), dayOf(3, 2), 0)).toMatchObject({
      periodStart: aMonth(3).start,
      periodEnd: aMonth(3).end,
      used: 0,
      balance: 100,
    });
  });
});

/** A history of monthly periods from January 2026 and what the owner and a reader know of it. */
const history = fc
  .record({
    months: fc.array(
      fc.record({
        used: fc.integer({ min: -10, max: 300 }),
        // Whether any event arrived in the month (moving the counter) and whether another counter moved in it.
        events: fc.boolean(),
        refresh: fc.boolean(),
      }),
      { minLength: 1, maxLength: 7 },
    ),
    allowance: fc.integer({ min: 0, max: 150 }),
    rolloverMax: fc.option(fc.integer({ min: 0, max: 200 })),
    grants: fc.array(
      fc.record({
        amount: fc.integer({ min: 0, max: 300 }),
        priority: fc.integer({ min: 0, max: 2 }),
        createdAt: fc.integer({ min: aMonth(1).start - 20 * DAY, max: aMonth(8).end }),
        expiresAt: fc.option(fc.integer({ min: aMonth(1).start, max: aMonth(8).end })),
        voidedAt: fc.option(fc.integer({ min: aMonth(1).start, max: aMonth(8).end }), { freq: 3 }),
      }),
      { maxLength: 5 },
    ),
    atFraction: fc.double({ min: 0, max: 0.999, noNaN: true }),
  })
  .map(({ months, allowance, rolloverMax, grants, atFraction }) => {
    // History starts with the first event.
    const periods = months.map((month, index) => ({
      ...month,
      events: index === 0 || month.events,
      ...aMonth(index + 1),
    }));
    const last = periods.at(-1)!;
    return {
      periods,
      scope: aScope({
        allowance,
        rolloverMax,
        grants: grants.map((fields, index) => aGrant({ id: `g${index}`, ...fields })),
      }),
      at: last.start + Math.floor(atFraction * (last.end - last.start)),
    };
  });

describe("ledgers kept period by period", () => {
  it("give the balance, rollover and grants left of burning the whole history at once", () => {
    fc.assert(
      fc.property(history, ({ periods, scope, at }) => {
        let ledger: Ledger | undefined;
        let known: Scope["known"] = null;
        for (const period of periods) {
          // The owner keeps every scope's ledger when a counter (this one or another) moves to a new period.
          if (period.events || period.refresh) ledger = ledgerAt({ ...scope, known, ledger }, period.start);
          if (period.events) known = { period: { start: period.start, end: period.end }, used: period.used };
        }
        const incremental = burnScope({ ...scope, known, ledger }, at, 0);

        const whole: UsagePeriod[] = periods.map(({ start, end, used, events }) => ({
          start,
          end,
          used: events ? used : 0,
        }));
        const reference = burnUsage({
          periods: whole,
          allowancePerPeriod: scope.allowance,
          rolloverMax: scope.rolloverMax,
          grants: scope.grants,
          at,
        });
        expect(incremental.balance).toBe(reference.balance);
        expect(incremental.rolledOver).toBe(reference.rolledOver);
        expect(incremental.overage).toBe(reference.overage);
        expect(Object.fromEntries(incremental.grantRemaining)).toEqual(Object.fromEntries(reference.grantRemaining));
      }),
    );
  });

  it("a kept ledger rolled on equals rolling from scratch, however far apart the instants", () => {
    fc.assert(
      fc.property(
        history,
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        ({ periods, scope }, keptAfter, askedAfter) => {
          const first = periods[0]!;
          const withKnown = { ...scope, known: { period: { start: first.start, end: first.end }, used: first.used } };
          const keptAt = dayOf(1 + keptAfter, 2);
          const askedAt = dayOf(1 + keptAfter + askedAfter, 2);
          const kept = ledgerAt(withKnown, keptAt);
          expect(ledgerAt({ ...withKnown, ledger: kept }, askedAt)).toEqual(ledgerAt(withKnown, askedAt));
        },
      ),
    );
  });

  it("a ledger kept before the counter moved on, rolled by a reader, equals the owner's ledgers", () => {
    fc.assert(
      fc.property(
        history,
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 0, max: 30 }),
        ({ periods, scope }, keptAfter, movedAfter, askedAfter) => {
          const first = periods[0]!;
          const january = { ...scope, known: { period: aMonth(1), used: first.used } };
          const kept = ledgerAt(january, dayOf(1 + keptAfter, 1));
          const moved = 1 + keptAfter + movedAfter;
          const later = { period: aMonth(moved), used: first.used + 7 };
          // The owner keeps a ledger when the counter moves; a reader may only have the one kept before.
          const owner = ledgerAt({ ...january, ledger: kept }, aMonth(moved).start);
          const askedAt = dayOf(moved + askedAfter, 3);
          expect(ledgerAt({ ...scope, known: later, ledger: kept }, askedAt)).toEqual(
            ledgerAt({ ...scope, known: later, ledger: owner }, askedAt),
          );
        },
      ),
    );
  });
});

describe("ledgerAt: rollover from the grant's start", () => {
  it("carries a first period without any usage into the next", () => {
    const scope = aScope({ rolloverMax: 50, since: aMonth(1).start + 1000 });
    expect(ledgerAt(scope, aMonth(2).start + 5)).toMatchObject({ periodStart: aMonth(2).start, rolledOver: 50 });
  });

  it("counts the periods before the first counter as unused, then charges the counter's own", () => {
    const scope = aScope({ rolloverMax: 150, since: aMonth(1).start, known: usedIn(3, 180) });
    // January and February unused: 100, then 150 (capped); March: 100 + 150 − 180 = 70 carried into April.
    expect(ledgerAt(scope, aMonth(4).start)).toMatchObject({ rolledOver: 70 });
  });

  it("carries nothing without rollover, and nothing from before the grant", () => {
    expect(ledgerAt(aScope({ since: aMonth(1).start }), aMonth(3).start).rolledOver).toBe(0);
    expect(ledgerAt(aScope({ rolloverMax: 50, since: aMonth(3).start }), aMonth(3).start + 5).rolledOver).toBe(0);
  });
});
