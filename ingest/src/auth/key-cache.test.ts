import type { LumenEnv } from "@lumen/core";
import { describe, expect, it } from "vitest";
import { createKeyCache } from "./key-cache";

function fakeLookup(answers: Record<string, LumenEnv | null | Error>) {
  const calls: string[] = [];
  const lookup = async (secret: string) => {
    calls.push(secret);
    const answer = answers[secret] ?? null;
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return { calls, lookup };
}

describe("the key cache", () => {
  it("remembers hits and misses until the TTL passes", async () => {
    let now = 0;
    const { calls, lookup } = fakeLookup({ lum_sk_live_good: "live" });
    const cache = createKeyCache({ lookup, ttlMs: 5_000, now: () => now });
    expect(await cache.authenticate("lum_sk_live_good")).toBe("live");
    expect(await cache.authenticate("lum_sk_live_bad")).toBeNull();
    now = 4_999;
    expect(await cache.authenticate("lum_sk_live_good")).toBe("live");
    expect(await cache.authenticate("lum_sk_live_bad")).toBeNull();
    expect(calls).toEqual(["lum_sk_live_good", "lum_sk_live_bad"]);
    now = 5_001;
    await cache.authenticate("lum_sk_live_good");
    expect(calls).toHaveLength(3);
  });

  it("asks the database once for concurrent requests with the same key", async () => {
    const { calls, lookup } = fakeLookup({ lum_sk_test_x: "test" });
    const cache = createKeyCache({ lookup });
    const answers = await Promise.all(Array.from({ length: 50 }, () => cache.authenticate("lum_sk_test_x")));
    expect(new Set(answers)).toEqual(new Set(["test"]));
    expect(calls).toHaveLength(1);
  });

  it("does not cache a failed lookup", async () => {
    let fail = true;
    const cache = createKeyCache({
      lookup: async () => {
        if (fail) throw new Error("database down");
        return "live";
      },
    });
    await expect(cache.authenticate("lum_sk_live_k")).rejects.toThrow("database down");
    fail = false;
    expect(await cache.authenticate("lum_sk_live_k")).toBe("live");
  });

  it("never queries for strings that are not secret keys, and stays bounded", async () => {
    const { calls, lookup } = fakeLookup({});
    const cache = createKeyCache({ lookup, maxEntries: 3 });
    expect(await cache.authenticate("hello")).toBeNull();
    expect(await cache.authenticate(`lum_sk_live_${"x".repeat(300)}`)).toBeNull();
    expect(calls).toEqual([]);
    for (const key of ["a", "b", "c", "d"]) await cache.authenticate(`lum_sk_live_${key}`);
    // "a" was the oldest and went when "d" came.
    await cache.authenticate("lum_sk_live_a");
    await cache.authenticate("lum_sk_live_d");
    expect(calls).toEqual(["a", "b", "c", "d", "a"].map((key) => `lum_sk_live_${key}`));
  });
});
