import { describe, expect, it } from "vitest";
import { backoffDelay, isRetryableStatus, parseRetryAfter, retryDelay } from "./retry";

describe("isRetryableStatus", () => {
  it.each([
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [400, false],
    [401, false],
    [404, false],
    [409, false],
  ])("%i → %s", (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });
});

describe("backoffDelay", () => {
  it.each([
    [0, 0, 250],
    [0, 1, 500],
    [1, 0, 500],
    [1, 1, 1000],
    [2, 0.5, 1500],
    [4, 1, 8000],
    [10, 1, 8000],
    [10, 0, 4000],
  ])("attempt %i with random %f waits %i ms", (attempt, random, expected) => {
    expect(backoffDelay(attempt, () => random)).toBe(expected);
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-01-01T00:00:00Z");
  it.each([
    [null, null],
    ["0", 0],
    ["2", 2000],
    ["0.5", 500],
    [" 3 ", 3000],
    ["Thu, 01 Jan 2026 00:00:05 GMT", 5000],
    ["Wed, 31 Dec 2025 23:59:00 GMT", 0],
    ["soon", null],
    ["-1", null],
  ])("%j → %j ms", (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

describe("retryDelay", () => {
  it("honours Retry-After over the backoff", () => {
    expect(retryDelay({ attempt: 0, retryAfter: "3", random: () => 0 })).toBe(3000);
  });

  it("backs off without Retry-After", () => {
    expect(retryDelay({ attempt: 1, retryAfter: null, random: () => 1 })).toBe(1000);
  });

  it("gives up when the server asks for more than a minute", () => {
    expect(retryDelay({ attempt: 0, retryAfter: "61" })).toBeNull();
    expect(retryDelay({ attempt: 0, retryAfter: "60" })).toBe(60_000);
  });
});
