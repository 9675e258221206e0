import { describe, expect, it } from "vitest";
import { maskKey, parseBootstrapKeys } from "./keys";

const keys = { test: "lum_sk_test_abc123", live: "lum_sk_live_def456" };

describe("parseBootstrapKeys", () => {
  it("reads the keys from billing's pino line", () => {
    const line = JSON.stringify({ level: 30, time: 1, bootstrapKeys: keys, msg: "bootstrap keys created" });
    expect(parseBootstrapKeys(line)).toEqual(keys);
  });

  it.each([
    ["an ordinary log line", JSON.stringify({ level: 30, msg: "billing API listening" })],
    ["a line that is not JSON", "bootstrapKeys: lum_sk_test_abc"],
    ["truncated JSON", `{"bootstrapKeys":{"test":"lum_sk_test_abc"`],
    ["keys of the wrong environment", JSON.stringify({ bootstrapKeys: { test: keys.live, live: keys.test } })],
    ["a key that is only a prefix", JSON.stringify({ bootstrapKeys: { test: "lum_sk_test_", live: keys.live } })],
    ["a missing key", JSON.stringify({ bootstrapKeys: { test: keys.test } })],
    ["keys that are not strings", JSON.stringify({ bootstrapKeys: { test: 1, live: 2 } })],
    ["null keys", JSON.stringify({ bootstrapKeys: null })],
    ["JSON null", "null"],
  ])("ignores %s", (_, line) => {
    expect(parseBootstrapKeys(line)).toBeUndefined();
  });
});

describe("maskKey", () => {
  it("keeps only the environment prefix", () => {
    expect(maskKey("lum_sk_test_secret")).toBe("lum_sk_test_…");
    expect(maskKey("lum_sk_live_secret")).toBe("lum_sk_live_…");
    expect(maskKey("something_else")).toBe("…");
  });
});
