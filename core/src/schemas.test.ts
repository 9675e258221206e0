import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  callerId,
  currencyCode,
  decimalString,
  isoDateTime,
  nonNegativeDecimalString,
  positiveDecimalString,
} from "./schemas";

function messagesOf(schema: z.ZodType, input: unknown): string[] {
  const result = schema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
}

const DECIMAL_MESSAGE = 'must be a decimal string such as "20.00"';

describe("decimalString", () => {
  it.each(["20.00", "0", "-0.0025", "123456789012345678.123456789012"])("accepts %s unchanged", (value) => {
    expect(decimalString.parse(value)).toBe(value);
  });

  it.each<[unknown, string]>([
    [20, "a JSON number"],
    [20.5, "a float"],
    ["1e5", "exponent notation"],
    ["1.", "a trailing dot"],
    [".5", "a leading dot"],
    ["", "an empty string"],
    ["+1", "a plus sign"],
    ["1234567890123456789", "19 integer digits"],
    ["1.1234567890123", "13 fraction digits"],
    [null, "null"],
  ])("rejects %j (%s) with one message", (value) => {
    expect(messagesOf(decimalString, value)).toEqual([DECIMAL_MESSAGE]);
  });
});

describe("nonNegativeDecimalString and positiveDecimalString", () => {
  it.each<[string, boolean, boolean]>([
    ["20.00", true, true],
    ["0.0025", true, true],
    ["0", true, false],
    ["0.00", true, false],
    ["-0.00", true, false],
    ["-0.01", false, false],
  ])("judges %s: non-negative %s, positive %s", (value, nonNegative, positive) => {
    expect(nonNegativeDecimalString.safeParse(value).success).toBe(nonNegative);
    expect(positiveDecimalString.safeParse(value).success).toBe(positive);
  });

  it("reports only the format message for a malformed string", () => {
    expect(messagesOf(positiveDecimalString, "abc")).toEqual([DECIMAL_MESSAGE]);
    expect(messagesOf(nonNegativeDecimalString, "1e5")).toEqual([DECIMAL_MESSAGE]);
  });

  it("says why a well-formed amount is refused", () => {
    expect(messagesOf(positiveDecimalString, "0")).toEqual([
      'must be a decimal string greater than zero, such as "20.00"',
    ]);
    expect(messagesOf(nonNegativeDecimalString, "-1")).toEqual([
      'must be a decimal string of zero or more, such as "20.00"',
    ]);
  });
});

describe("currencyCode", () => {
  it.each(["USD", "EUR", "JPY", "KWD", "CLF"])("accepts %s", (code) => {
    expect(currencyCode.parse(code)).toBe(code);
  });

  it.each<unknown>(["usd", "XAU", "ABC", "US", "constructor", 840, undefined])("rejects %j", (code) => {
    expect(messagesOf(currencyCode, code)).toEqual(["must be an ISO 4217 currency code"]);
  });
});

describe("isoDateTime", () => {
  it.each([
    ["2026-01-01T00:00:00Z", "2026-01-01T00:00:00.000Z"],
    ["2026-01-01T00:00:00.123Z", "2026-01-01T00:00:00.123Z"],
    ["2026-01-01T01:00:00+01:00", "2026-01-01T00:00:00.000Z"],
    ["2025-12-31T19:00:00-05:00", "2026-01-01T00:00:00.000Z"],
    ["2024-02-29T12:00:00Z", "2024-02-29T12:00:00.000Z"],
  ])("parses %s to the instant %s", (input, expected) => {
    const parsed = isoDateTime.parse(input);
    expect(parsed).toBeInstanceOf(Date);
    expect(parsed.toISOString()).toBe(expected);
  });

  it.each<unknown>([
    "2026-01-01T00:00:00",
    "2026-01-01",
    "2025-02-29T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-01-01 00:00:00Z",
    "yesterday",
    1767225600000,
  ])("rejects %j", (input) => {
    expect(messagesOf(isoDateTime, input)).toEqual([
      'must be an ISO 8601 timestamp with a timezone, such as "2026-01-01T00:00:00Z"',
    ]);
  });
});

describe("callerId", () => {
  it.each(["acme", "premium-messages", "user_42", "org:acme@eu.v2", "A", "9lives", "a".repeat(255)])(
    "accepts %s",
    (id) => {
      expect(callerId.parse(id)).toBe(id);
    },
  );

  it.each<unknown>(["", "-acme", "_acme", ".acme", "a b", "acme/1", "ação", "a".repeat(256), 42])(
    "rejects %j",
    (id) => {
      expect(messagesOf(callerId, id)).toEqual([
        "must be 1–255 characters of letters, digits, '_', '.', ':', '@' and '-', starting with a letter or digit",
      ]);
    },
  );
});
