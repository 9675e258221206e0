import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addIntervals, INTERVALS, type Interval, nextBoundaryAfter, periodAt } from "./period";

const utc = (iso: string) => new Date(iso);
const iso = (date: Date) => date.toISOString();

describe("addIntervals", () => {
  const jan31 = "2025-01-31T00:00:00.000Z";
  const jan31Leap = "2024-01-31T00:00:00.000Z";

  it.each<[string, string, Interval, number, string]>([
    ["clamps Jan 31 to Feb 28", jan31, "month", 1, "2025-02-28T00:00:00.000Z"],
    ["returns to Mar 31 after a short February", jan31, "month", 2, "2025-03-31T00:00:00.000Z"],
    ["clamps Jan 31 to Apr 30", jan31, "month", 3, "2025-04-30T00:00:00.000Z"],
    ["clamps Jan 31 to Feb 29 in a leap year", jan31Leap, "month", 1, "2024-02-29T00:00:00.000Z"],
    ["steps back from Mar 31 to Feb 28", "2025-03-31T00:00:00.000Z", "month", -1, "2025-02-28T00:00:00.000Z"],
    ["steps back across a year", jan31, "month", -2, "2024-11-30T00:00:00.000Z"],
    ["returns the anchor for a count of zero", jan31, "month", 0, jan31],
    ["adds a quarter from Nov 30 into February", "2025-11-30T00:00:00.000Z", "quarter", 1, "2026-02-28T00:00:00.000Z"],
    ["keeps day 30 for the next quarters", "2025-11-30T00:00:00.000Z", "quarter", 2, "2026-05-30T00:00:00.000Z"],
    ["lands on Nov 30 a year of quarters later", "2025-11-30T00:00:00.000Z", "quarter", 4, "2026-11-30T00:00:00.000Z"],
    [
      "clamps a quarter from Nov 30 to Feb 29 in a leap year",
      "2023-11-30T00:00:00.000Z",
      "quarter",
      1,
      "2024-02-29T00:00:00.000Z",
    ],
    ["steps a quarter back", "2025-11-30T00:00:00.000Z", "quarter", -1, "2025-08-30T00:00:00.000Z"],
    ["clamps a Feb 29 yearly anchor to Feb 28", "2024-02-29T00:00:00.000Z", "year", 1, "2025-02-28T00:00:00.000Z"],
    ["keeps Feb 28 in the next common year", "2024-02-29T00:00:00.000Z", "year", 3, "2027-02-28T00:00:00.000Z"],
    ["returns to Feb 29 in the next leap year", "2024-02-29T00:00:00.000Z", "year", 4, "2028-02-29T00:00:00.000Z"],
    ["steps a Feb 29 yearly anchor back to Feb 28", "2024-02-29T00:00:00.000Z", "year", -1, "2023-02-28T00:00:00.000Z"],
    ["adds 7 days for a week", "2026-01-01T00:00:00.000Z", "week", 1, "2026-01-08T00:00:00.000Z"],
    ["steps a week back across a year", "2026-01-01T00:00:00.000Z", "week", -1, "2025-12-25T00:00:00.000Z"],
    ["adds 52 weeks", "2026-01-01T00:00:00.000Z", "week", 52, "2026-12-31T00:00:00.000Z"],
    ["adds a day into Feb 29", "2024-02-28T00:00:00.000Z", "day", 1, "2024-02-29T00:00:00.000Z"],
    ["adds 365 days", "2026-01-01T00:00:00.000Z", "day", 365, "2027-01-01T00:00:00.000Z"],
    ["keeps the time of day for months", "2026-01-31T13:45:30.250Z", "month", 1, "2026-02-28T13:45:30.250Z"],
    ["keeps the time of day for years", "2024-02-29T23:59:59.999Z", "year", 1, "2025-02-28T23:59:59.999Z"],
    ["keeps the time of day for days", "2026-01-31T13:45:30.250Z", "day", -31, "2025-12-31T13:45:30.250Z"],
    ["handles years before 100", "0099-12-31T00:00:00.000Z", "month", 2, "0100-02-28T00:00:00.000Z"],
  ])("%s", (_, anchor, interval, count, expected) => {
    expect(iso(addIntervals(utc(anchor), interval, count))).toBe(expected);
  });

  it.each<[string, string[]]>([
    [
      jan31,
      [
        "2025-01-31",
        "2025-02-28",
        "2025-03-31",
        "2025-04-30",
        "2025-05-31",
        "2025-06-30",
        "2025-07-31",
        "2025-08-31",
        "2025-09-30",
        "2025-10-31",
        "2025-11-30",
        "2025-12-31",
        "2026-01-31",
      ],
    ],
    [
      jan31Leap,
      [
        "2024-01-31",
        "2024-02-29",
        "2024-03-31",
        "2024-04-30",
        "2024-05-31",
        "2024-06-30",
        "2024-07-31",
        "2024-08-31",
        "2024-09-30",
        "2024-10-31",
        "2024-11-30",
        "2024-12-31",
        "2025-01-31",
      ],
    ],
  ])("clamps a %s monthly anchor over a whole year without drifting", (anchor, expected) => {
    const boundaries = expected.map((_, count) => iso(addIntervals(utc(anchor), "month", count)).slice(0, 10));
    expect(boundaries).toEqual(expected);
  });

  it.each([1.5, Number.NaN, Number.POSITIVE_INFINITY])("rejects the count %s", (count) => {
    expect(() => addIntervals(utc("2026-01-01T00:00:00Z"), "month", count)).toThrow(/integer count/);
  });

  it("rejects an invalid anchor", () => {
    expect(() => addIntervals(new Date(Number.NaN), "day", 1)).toThrow(/anchor/);
  });
});

describe("periodAt", () => {
  const jan31 = "2026-01-31T00:00:00.000Z";

  it.each<[string, string, Interval, string, number, string, string]>([
    ["puts the anchor itself in period 0", jan31, "month", jan31, 0, jan31, "2026-02-28T00:00:00.000Z"],
    [
      "puts the last millisecond before a boundary in the earlier period",
      jan31,
      "month",
      "2026-02-27T23:59:59.999Z",
      0,
      jan31,
      "2026-02-28T00:00:00.000Z",
    ],
    [
      "puts an instant on a boundary in the period that starts there",
      jan31,
      "month",
      "2026-02-28T00:00:00.000Z",
      1,
      "2026-02-28T00:00:00.000Z",
      "2026-03-31T00:00:00.000Z",
    ],
    [
      "finds the period just before the anchor",
      jan31,
      "month",
      "2025-12-31T00:00:00.000Z",
      -1,
      "2025-12-31T00:00:00.000Z",
      jan31,
    ],
    [
      "finds a period well before the anchor",
      jan31,
      "month",
      "2025-12-30T23:59:59.999Z",
      -2,
      "2025-11-30T00:00:00.000Z",
      "2025-12-31T00:00:00.000Z",
    ],
    [
      "finds the period 500 months later",
      jan31,
      "month",
      "2067-09-30T00:00:00.000Z",
      500,
      "2067-09-30T00:00:00.000Z",
      "2067-10-31T00:00:00.000Z",
    ],
    [
      "finds the period before the 500th boundary",
      jan31,
      "month",
      "2067-09-29T12:00:00.000Z",
      499,
      "2067-08-31T00:00:00.000Z",
      "2067-09-30T00:00:00.000Z",
    ],
    [
      "finds a quarter from Nov 30",
      "2025-11-30T00:00:00.000Z",
      "quarter",
      "2026-05-30T00:00:00.000Z",
      2,
      "2026-05-30T00:00:00.000Z",
      "2026-08-30T00:00:00.000Z",
    ],
    [
      "finds the clamped year of a Feb 29 anchor",
      "2024-02-29T00:00:00.000Z",
      "year",
      "2028-02-28T12:00:00.000Z",
      3,
      "2027-02-28T00:00:00.000Z",
      "2028-02-29T00:00:00.000Z",
    ],
    [
      "finds a week",
      "2026-01-01T00:00:00.000Z",
      "week",
      "2026-01-15T12:00:00.000Z",
      2,
      "2026-01-15T00:00:00.000Z",
      "2026-01-22T00:00:00.000Z",
    ],
    [
      "finds the week before the anchor",
      "2026-01-01T00:00:00.000Z",
      "week",
      "2025-12-31T23:59:00.000Z",
      -1,
      "2025-12-25T00:00:00.000Z",
      "2026-01-01T00:00:00.000Z",
    ],
    [
      "finds a day of an anchor with a time of day",
      "2026-01-01T09:00:00.000Z",
      "day",
      "2026-01-01T08:59:59.000Z",
      -1,
      "2025-12-31T09:00:00.000Z",
      "2026-01-01T09:00:00.000Z",
    ],
    [
      "finds a month of an anchor with a time of day",
      "2026-01-31T09:00:00.000Z",
      "month",
      "2026-02-28T08:59:59.999Z",
      0,
      "2026-01-31T09:00:00.000Z",
      "2026-02-28T09:00:00.000Z",
    ],
  ])("%s", (_, anchor, interval, at, index, start, end) => {
    const period = periodAt({ anchor: utc(anchor), interval, at: utc(at) });
    expect({ index: period.index, start: iso(period.start), end: iso(period.end) }).toEqual({
      index,
      start,
      end,
    });
  });

  it("finds a period 100,000 days away without walking through the periods", () => {
    const anchor = utc("2026-01-01T00:00:00Z");
    const period = periodAt({ anchor, interval: "day", at: addIntervals(anchor, "day", 100_000) });
    expect(period.index).toBe(100_000);
  });

  it("holds start <= at < end, with both ends on the anchor's series, for any anchor, interval and instant", () => {
    const instant = fc.date({
      min: utc("1900-01-01T00:00:00Z"),
      max: utc("2200-01-01T00:00:00Z"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(instant, fc.constantFrom(...INTERVALS), instant, (anchor, interval, at) => {
        const { start, end, index } = periodAt({ anchor, interval, at });
        expect(start.getTime()).toBeLessThanOrEqual(at.getTime());
        expect(at.getTime()).toBeLessThan(end.getTime());
        expect(start.getTime()).toBe(addIntervals(anchor, interval, index).getTime());
        expect(end.getTime()).toBe(addIntervals(anchor, interval, index + 1).getTime());
      }),
      { numRuns: 2_000 },
    );
  });

  it("puts every boundary of the series in the period that starts there", () => {
    const instant = fc.date({
      min: utc("1900-01-01T00:00:00Z"),
      max: utc("2200-01-01T00:00:00Z"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(
        instant,
        fc.constantFrom(...INTERVALS),
        fc.integer({ min: -600, max: 600 }),
        (anchor, interval, count) => {
          const boundary = addIntervals(anchor, interval, count);
          const period = periodAt({ anchor, interval, at: boundary });
          expect(period.index).toBe(count);
          expect(period.start.getTime()).toBe(boundary.getTime());
        },
      ),
      { numRuns: 1_000 },
    );
  });
});

describe("nextBoundaryAfter", () => {
  it.each<[string, string, Interval, string, string]>([
    [
      "gives the end of the current month",
      "2026-01-31T00:00:00Z",
      "month",
      "2026-02-10T00:00:00Z",
      "2026-02-28T00:00:00.000Z",
    ],
    [
      "moves past an instant exactly on a boundary",
      "2026-01-31T00:00:00Z",
      "month",
      "2026-02-28T00:00:00Z",
      "2026-03-31T00:00:00.000Z",
    ],
    ["works before the anchor", "2026-01-31T00:00:00Z", "month", "2025-12-15T00:00:00Z", "2025-12-31T00:00:00.000Z"],
    ["gives the next day boundary", "2026-01-01T06:00:00Z", "day", "2026-03-01T05:00:00Z", "2026-03-01T06:00:00.000Z"],
  ])("%s", (_, anchor, interval, at, expected) => {
    expect(iso(nextBoundaryAfter({ anchor: utc(anchor), interval, at: utc(at) }))).toBe(expected);
  });
});
