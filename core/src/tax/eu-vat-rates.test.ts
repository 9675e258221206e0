import { afterEach, describe, expect, it, vi } from "vitest";
import {
  countryOfVatPrefix,
  EU_MEMBER_STATES,
  EU_VAT_RATES_SOURCE,
  euStandardRate,
  isEuMemberState,
  vatPrefixOf,
} from "./eu-vat-rates";
import data from "./eu-vat-rates.json" with { type: "json" };

const utc = (isoDate: string) => new Date(`${isoDate}T00:00:00Z`);
const rateOn = (country: string, isoDate: string) => euStandardRate(country, utc(isoDate)).toString();

// Written out by hand, not read from the data file, so that a slip in the file fails here.
const RATES_ON_2026_11_24: [string, string][] = [
  ["AT", "20"],
  ["BE", "21"],
  ["BG", "20"],
  ["CY", "19"],
  ["CZ", "21"],
  ["DE", "19"],
  ["DK", "25"],
  ["EE", "24"],
  ["ES", "21"],
  ["FI", "25.5"],
  ["FR", "20"],
  ["GR", "24"],
  ["HR", "25"],
  ["HU", "27"],
  ["IE", "23"],
  ["IT", "22"],
  ["LT", "21"],
  ["LU", "17"],
  ["LV", "21"],
  ["MT", "18"],
  ["NL", "21"],
  ["PL", "23"],
  ["PT", "23"],
  ["RO", "21"],
  ["SE", "25"],
  ["SI", "22"],
  ["SK", "23"],
];

describe("EU standard VAT rates", () => {
  it.each(RATES_ON_2026_11_24)("gives %s's standard rate on 2026-11-24 as %s %%", (country, percentage) => {
    expect(rateOn(country, "2026-11-24")).toBe(percentage);
  });

  it("knows exactly the 27 member states of the table above", () => {
    expect([...EU_MEMBER_STATES].sort()).toEqual(RATES_ON_2026_11_24.map(([country]) => country));
  });

  it.each([
    ["EE", "2023-12-31", "20", "2024-01-01", "22"],
    ["EE", "2025-06-30", "22", "2025-07-01", "24"],
    ["FI", "2024-08-31", "24", "2024-09-01", "25.5"],
    ["RO", "2025-07-31", "19", "2025-08-01", "21"],
    ["SK", "2024-12-31", "20", "2025-01-01", "23"],
  ])("switches %s on the day of the change: %s at %s %%, %s at %s %%", (country, before, old, on, current) => {
    expect(rateOn(country, before)).toBe(old);
    expect(rateOn(country, on)).toBe(current);
  });

  it("applies Germany's 16 % of the second half of 2020 and 19 % on either side", () => {
    expect(rateOn("DE", "2020-06-30")).toBe("19");
    expect(rateOn("DE", "2020-08-15")).toBe("16");
    expect(rateOn("DE", "2020-12-31")).toBe("16");
    expect(rateOn("DE", "2021-01-01")).toBe("19");
  });

  it("applies Luxembourg's 16 % through 2023 only", () => {
    expect(rateOn("LU", "2022-12-31")).toBe("17");
    expect(rateOn("LU", "2023-01-01")).toBe("16");
    expect(rateOn("LU", "2023-12-31")).toBe("16");
    expect(rateOn("LU", "2024-01-01")).toBe("17");
  });

  it("applies Ireland's 21 % from September 2020 to February 2021", () => {
    expect(rateOn("IE", "2020-08-31")).toBe("23");
    expect(rateOn("IE", "2020-09-01")).toBe("21");
    expect(rateOn("IE", "2021-02-28")).toBe("21");
    expect(rateOn("IE", "2021-03-01")).toBe("23");
  });

  it("reads the calendar date in UTC, whatever the instant's time of day", () => {
    expect(euStandardRate("FI", new Date("2024-08-31T23:59:59.999Z")).toString()).toBe("24");
    expect(euStandardRate("FI", new Date("2024-08-31T23:30:00-01:00")).toString()).toBe("25.5");
  });

  it("returns a Decimal that keeps the fraction of 25.5 %", () => {
    expect(euStandardRate("FI", utc("2026-11-24")).toFixed(2)).toBe("25.50");
  });

  it("throws for a country outside the EU, Greece's VAT prefix, a date before the data and an invalid date", () => {
    expect(() => euStandardRate("GB", utc("2026-11-24"))).toThrow("'GB' is not an EU member state");
    expect(() => euStandardRate("EL", utc("2026-11-24"))).toThrow("'EL' is not an EU member state");
    expect(() => euStandardRate("DE", utc("2006-12-31"))).toThrow("No standard VAT rate of DE is known for 2006-12-31");
    expect(() => euStandardRate("DE", new Date("not a date"))).toThrow("valid Date");
  });

  it.each([
    ["GR", true],
    ["DE", true],
    ["US", false],
    ["GB", false],
    ["EL", false],
    ["de", false],
    ["toString", false],
    [null, false],
    [undefined, false],
  ])("tells whether %s is a member state: %s", (country, member) => {
    expect(isEuMemberState(country)).toBe(member);
  });

  it("maps Greece to the VAT prefix EL and back, and every other member state to its own code", () => {
    expect(vatPrefixOf("GR")).toBe("EL");
    expect(countryOfVatPrefix("EL")).toBe("GR");
    expect(countryOfVatPrefix("GR")).toBeNull();
    expect(countryOfVatPrefix("XI")).toBeNull();
    for (const country of EU_MEMBER_STATES.filter((code) => code !== "GR")) {
      expect(vatPrefixOf(country)).toBe(country);
      expect(countryOfVatPrefix(country)).toBe(country);
    }
    expect(() => vatPrefixOf("GB")).toThrow("'GB' is not an EU member state");
  });

  it("names its source", () => {
    expect(EU_VAT_RATES_SOURCE).toContain("European Commission");
  });
});

describe("the EU VAT rates data file", () => {
  const countries = Object.entries(data.countries);
  const dayAfter = (isoDate: string) =>
    new Date(Date.parse(`${isoDate}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

  it("holds 27 member states", () => {
    expect(countries).toHaveLength(27);
  });

  it.each(countries)("has contiguous periods for %s, only the last one open", (_country, state) => {
    const periods: { from: string; to: string | null; percentage: string }[] = state.standardRates;
    expect(periods.length).toBeGreaterThan(0);
    expect(periods.at(-1)?.to).toBeNull();
    periods.slice(0, -1).forEach((period, index) => {
      expect(period.to).not.toBeNull();
      expect(period.from <= (period.to ?? "")).toBe(true);
      expect(periods[index + 1]?.from).toBe(dayAfter(period.to ?? ""));
    });
    for (const period of periods) expect(period.percentage).toMatch(/^\d+(\.\d+)?$/);
  });

  it("is dated", () => {
    expect(data.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe("loading the EU VAT rates", () => {
  afterEach(() => {
    vi.doUnmock("./eu-vat-rates.json");
    vi.resetModules();
  });

  const loadWith = async (standardRates: { from: string; to: string | null; percentage: string }[]) => {
    vi.resetModules();
    vi.doMock("./eu-vat-rates.json", () => ({
      default: {
        source: "test",
        asOf: "2026-11-24",
        countries: { EE: { name: "Estonia", vatPrefix: "EE", standardRates } },
      },
    }));
    return import("./eu-vat-rates");
  };

  it.each([
    [
      "a gap",
      [
        { from: "2020-01-01", to: "2020-06-30", percentage: "20" },
        { from: "2020-07-02", to: null, percentage: "22" },
      ],
      "EE has a gap or an overlap",
    ],
    [
      "an overlap",
      [
        { from: "2020-01-01", to: "2020-06-30", percentage: "20" },
        { from: "2020-06-30", to: null, percentage: "22" },
      ],
      "EE has a gap or an overlap",
    ],
    [
      "a closed last period",
      [{ from: "2020-01-01", to: "2020-06-30", percentage: "20" }],
      "EE must leave only its last period open",
    ],
    [
      "an open earlier period",
      [
        { from: "2020-01-01", to: null, percentage: "20" },
        { from: "2021-01-01", to: null, percentage: "22" },
      ],
      "EE must leave only its last period open",
    ],
    [
      "a float-like percentage",
      [{ from: "2020-01-01", to: null, percentage: "2e1" }],
      "EE has an invalid percentage '2e1'",
    ],
    ["an impossible date", [{ from: "2020-02-30", to: null, percentage: "20" }], "EE has an invalid date '2020-02-30'"],
  ])("refuses a file with %s", async (_problem, standardRates, message) => {
    await expect(loadWith(standardRates)).rejects.toThrow(`eu-vat-rates.json: ${message}`);
  });

  it("loads a well-formed file", async () => {
    const rates = await loadWith([{ from: "2020-01-01", to: null, percentage: "20" }]);
    expect(rates.euStandardRate("EE", new Date("2026-11-24T00:00:00Z")).toString()).toBe("20");
  });
});
