import { describe, expect, it } from "vitest";
import type { CatalogDefinition } from "../pipeline/definitions";
import { aggregationOf, type FeatureReading, filterKeeps, readEvent, tokenOf } from "./readings";

const catalog: CatalogDefinition = {
  env: "test",
  version: 1,
  features: {
    "premium-messages": {
      type: "metered",
      meter: { event: "message", aggregation: "count", filter: { model: ["gpt-5", "o3"] } },
      creditCosts: null,
    },
    "all-messages": { type: "metered", meter: { event: "message", aggregation: "count" }, creditCosts: null },
    tokens: { type: "metered", meter: { event: "message", aggregation: "sum", property: "tokens" }, creditCosts: null },
    "peak-size": {
      type: "metered",
      meter: { event: "upload", aggregation: "max", property: "bytes" },
      creditCosts: null,
    },
    "upload-value": { type: "metered", meter: { event: "upload", aggregation: "sum" }, creditCosts: null },
    "last-temperature": { type: "metered", meter: { event: "reading", aggregation: "latest" }, creditCosts: null },
    "active-users": {
      type: "metered",
      meter: { event: "login", aggregation: "unique_count", property: "user" },
      creditCosts: null,
    },
    seats: { type: "gauge", meter: null, creditCosts: null },
  },
};

const event = (fields: Partial<Parameters<typeof readEvent>[0]["event"]>) => ({
  feature: null,
  event: null,
  value: 1,
  properties: null,
  ...fields,
});

describe("readEvent", () => {
  it.each<[string, Parameters<typeof readEvent>[0]["event"], FeatureReading[]]>([
    [
      "sums a feature id's value",
      event({ feature: "seats", value: 3 }),
      [{ feature: "seats", reading: 3, token: null }],
    ],
    [
      "keeps a negative correction by feature id",
      event({ feature: "premium-messages", value: -1 }),
      [{ feature: "premium-messages", reading: -1, token: null }],
    ],
    [
      "keeps fractional values",
      event({ feature: "storage-gb", value: 0.5 }),
      [{ feature: "storage-gb", reading: 0.5, token: null }],
    ],
    [
      "reads a unique_count feature's property when tracked by id",
      event({ feature: "active-users", properties: { user: "u1" } }),
      [{ feature: "active-users", reading: 0, token: "s:u1" }],
    ],
    ["skips a unique_count feature tracked by id without the property", event({ feature: "active-users" }), []],
    [
      "counts an event once per matching meter, whatever its value",
      event({ event: "message", value: 7, properties: { model: "gpt-5", tokens: 120 } }),
      [
        { feature: "all-messages", reading: 1, token: null },
        { feature: "premium-messages", reading: 1, token: null },
        { feature: "tokens", reading: 120, token: null },
      ],
    ],
    [
      "leaves out a meter whose filter does not list the value",
      event({ event: "message", properties: { model: "gpt-4o-mini", tokens: 3 } }),
      [
        { feature: "all-messages", reading: 1, token: null },
        { feature: "tokens", reading: 3, token: null },
      ],
    ],
    [
      "counts +1 for a negative value on a count meter",
      event({ event: "message", value: -1, properties: { model: "o3" } }),
      [
        { feature: "all-messages", reading: 1, token: null },
        { feature: "premium-messages", reading: 1, token: null },
      ],
    ],
    [
      "skips a sum meter whose property is not a number",
      event({ event: "message", properties: { model: "x", tokens: "many" } }),
      [{ feature: "all-messages", reading: 1, token: null }],
    ],
    [
      "reads max from the property and sum from the value",
      event({ event: "upload", value: 2.5, properties: { bytes: 900 } }),
      [
        { feature: "peak-size", reading: 900, token: null },
        { feature: "upload-value", reading: 2.5, token: null },
      ],
    ],
    [
      "reads latest from the value",
      event({ event: "reading", value: -4 }),
      [{ feature: "last-temperature", reading: -4, token: null }],
    ],
    [
      "reads unique_count tokens tagged with their type",
      event({ event: "login", properties: { user: 42 } }),
      [{ feature: "active-users", reading: 0, token: "n:42" }],
    ],
    ["touches nothing for an event no meter names", event({ event: "unknown" }), []],
  ])("%s", (_name, input, expected) => {
    expect(readEvent({ event: input, catalog })).toEqual(expected);
  });

  it("touches nothing by event name before the catalog is known, but counts feature ids", () => {
    expect(readEvent({ event: event({ event: "message" }), catalog: undefined })).toEqual([]);
    expect(readEvent({ event: event({ feature: "x", value: 2 }), catalog: undefined })).toEqual([
      { feature: "x", reading: 2, token: null },
    ]);
  });
});

describe("meter helpers", () => {
  it("report each feature's aggregation, sum for features without a meter", () => {
    expect(aggregationOf(catalog, "peak-size")).toBe("max");
    expect(aggregationOf(catalog, "seats")).toBe("sum");
    expect(aggregationOf(undefined, "anything")).toBe("sum");
  });

  it("tag tokens by type so that '1' and 1 differ, and -0 equals 0", () => {
    expect(tokenOf("1")).not.toBe(tokenOf(1));
    expect(tokenOf(-0)).toBe(tokenOf(0));
    expect(tokenOf(true)).toBe("b:true");
    expect(tokenOf(null)).toBeNull();
  });

  it("keep an event only when every filtered property holds a listed value", () => {
    expect(filterKeeps({ a: ["x"], b: [1, true] }, { a: "x", b: true })).toBe(true);
    expect(filterKeeps({ a: ["x"], b: [1] }, { a: "x" })).toBe(false);
    expect(filterKeeps({ a: ["1"] }, { a: 1 })).toBe(false);
    expect(filterKeeps(undefined, null)).toBe(true);
  });
});
