import { describe, expect, it } from "vitest";
import { newId, randomToken } from "./ids";

describe("ids", () => {
  it("prefix a 20-character base62 token", () => {
    expect(newId("evt")).toMatch(/^evt_[0-9A-Za-z]{20}$/);
    expect(randomToken(40)).toMatch(/^[0-9A-Za-z]{40}$/);
  });

  it("do not repeat across many draws, through pool refills", () => {
    const ids = new Set(Array.from({ length: 50_000 }, () => newId("x")));
    expect(ids.size).toBe(50_000);
  });

  it("use every character of the alphabet about equally", () => {
    const counts = new Map<string, number>();
    for (const char of randomToken(62_000)) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const count of counts.values()) expect(count).toBeGreaterThan(800);
  });
});
