import { describe, expect, it } from "vitest";
import { LumenError } from "./errors";
import {
  CURRENCY_MINOR_UNITS,
  Decimal,
  isCurrency,
  minorUnits,
  parseDecimal,
  roundMoney,
  toMoneyString,
} from "./money";

describe("minorUnits", () => {
  it.each([
    ["USD", 2],
    ["EUR", 2],
    ["HUF", 2],
    ["IDR", 2],
    ["JPY", 0],
    ["KRW", 0],
    ["ISK", 0],
    ["VND", 0],
    ["XAF", 0],
    ["KWD", 3],
    ["BHD", 3],
    ["JOD", 3],
    ["OMR", 3],
    ["TND", 3],
    ["LYD", 3],
    ["IQD", 3],
    ["CLF", 4],
    ["UYW", 4],
  ])("gives %s %i minor-unit digits", (currency, digits) => {
    expect(minorUnits(currency)).toBe(digits);
  });

  it("throws a validation_error for an unknown currency", () => {
    expect(() => minorUnits("ABC")).toThrow(LumenError);
    expect(() => minorUnits("ABC")).toThrow(expect.objectContaining({ code: "validation_error" }));
  });
});

describe("isCurrency", () => {
  it.each(["USD", "JPY", "KWD", "CLF", "XCG", "SLE", "ZWG"])("accepts the active code %s", (code) => {
    expect(isCurrency(code)).toBe(true);
  });

  it.each([
    ["usd", "lowercase"],
    ["US", "too short"],
    ["USDX", "too long"],
    ["XAU", "gold has no minor unit"],
    ["XXX", "no currency"],
    ["HRK", "withdrawn"],
    ["ANG", "withdrawn"],
    ["toString", "an Object.prototype key"],
    ["", "empty"],
  ])("rejects %s (%s)", (code) => {
    expect(isCurrency(code)).toBe(false);
  });

  it("holds only uppercase three-letter codes with 0–4 minor-unit digits", () => {
    for (const [code, digits] of Object.entries(CURRENCY_MINOR_UNITS)) {
      expect(code).toMatch(/^[A-Z]{3}$/);
      expect([0, 2, 3, 4]).toContain(digits);
    }
    expect(Object.keys(CURRENCY_MINOR_UNITS).length).toBeGreaterThan(150);
  });
});

describe("roundMoney", () => {
  it.each([
    ["5.005", "USD", "5.01"],
    ["-5.005", "USD", "-5.01"],
    ["5.0049999", "USD", "5"],
    ["-5.0049999", "USD", "-5"],
    ["2.5", "JPY", "3"],
    ["-2.5", "JPY", "-3"],
    ["1.4999", "JPY", "1"],
    ["1.0005", "KWD", "1.001"],
    ["-1.0005", "KWD", "-1.001"],
    ["0.00005", "CLF", "0.0001"],
    ["-0.004", "USD", "0"],
  ])("rounds %s %s half-up with ties away from zero to %s", (amount, currency, expected) => {
    expect(roundMoney(new Decimal(amount), currency).toString()).toBe(expected);
  });

  it("never returns negative zero", () => {
    expect(roundMoney(new Decimal("-0.001"), "USD").isNegative()).toBe(false);
  });
});

describe("toMoneyString", () => {
  it.each([
    ["20", "USD", "20.00"],
    ["0.2", "EUR", "0.20"],
    ["1000", "JPY", "1000"],
    ["999.5", "JPY", "1000"],
    ["1.5", "KWD", "1.500"],
    ["0.00005", "CLF", "0.0001"],
    ["-5.005", "USD", "-5.01"],
    ["-0.001", "USD", "0.00"],
    ["-0", "USD", "0.00"],
    ["0.0000001", "USD", "0.00"],
    ["123456789012345678.005", "USD", "123456789012345678.01"],
    ["1e21", "USD", "1000000000000000000000.00"],
  ])("prints %s %s as %s", (amount, currency, expected) => {
    expect(toMoneyString(new Decimal(amount), currency)).toBe(expected);
  });
});

describe("parseDecimal", () => {
  it.each(["0", "20.00", "-0.0025", "123456789012345678.123456789012"])("accepts %s", (value) => {
    expect(parseDecimal(value).equals(new Decimal(value))).toBe(true);
  });

  it("keeps the exact value of a string a float cannot hold", () => {
    expect(parseDecimal("0.1").plus(parseDecimal("0.2")).toString()).toBe("0.3");
  });

  it.each(["1e5", "1.", ".5", "", " 1", "1 ", "+1", "1,5", "NaN", "Infinity", "0x10", "--1"])(
    "rejects %j with a validation_error",
    (value) => {
      expect(() => parseDecimal(value)).toThrow(expect.objectContaining({ code: "validation_error" }));
    },
  );
});

describe("Decimal", () => {
  it("prints small and large values without exponent notation", () => {
    expect(new Decimal("0.0000001").toString()).toBe("0.0000001");
    expect(new Decimal("1e30").toString()).toBe("1000000000000000000000000000000");
  });

  it("divides with 50 significant digits", () => {
    expect(new Decimal(1).dividedBy(3).toString()).toBe(`0.${"3".repeat(50)}`);
  });
});
