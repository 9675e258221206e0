import { Unpackr } from "msgpackr";
import { describe, expect, it } from "vitest";
import { encodeMsgpack } from "./sidecar-msgpack";

// Decoded as the sidecar decodes bodies (core/src/runtime/http-codec.ts).
const unpackr = new Unpackr({ mapsAsObjects: true, useRecords: false });
const roundTrip = (value: unknown) => unpackr.unpack(encodeMsgpack(value));

describe("encodeMsgpack", () => {
  it.each([
    ["small and large unsigned integers", [0, 1, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 - 1]],
    ["negative integers of every width", [-1, -32, -33, -128, -129, -32_768, -32_769, -(2 ** 31)]],
    ["integers beyond 32 bits, exactly", [2 ** 32, 2 ** 53 - 1, -(2 ** 31) - 1, -(2 ** 53 - 1)]],
    ["fractions", [0.5, -1.25, 1e-7, 123456.789]],
    ["booleans and null", [true, false, null]],
    [
      "strings of every length class",
      ["", "a", "é漢🙂", "x".repeat(31), "x".repeat(32), "y".repeat(300), "z".repeat(70_000)],
    ],
  ])("round-trips %s", (_, values) => {
    expect(roundTrip(values)).toEqual(values);
  });

  it("round-trips maps and arrays past the fixed sizes, and a realistic batch", () => {
    const wide = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, i]));
    const long = Array.from({ length: 70_000 }, (_, i) => i % 3);
    const batch = {
      events: Array.from({ length: 500 }, (_, i) => ({
        customer: "acme",
        feature: "premium-messages",
        entity: `user_${i}`,
        value: i / 2,
        properties: { model: "gpt-5", streamed: i % 2 === 0, tokens: i * 1000, note: null },
        idempotencyKey: crypto.randomUUID(),
      })),
    };
    expect(roundTrip(wide)).toEqual(wide);
    expect(roundTrip(long)).toEqual(long);
    expect(roundTrip(batch)).toEqual(batch);
  });

  it("writes a Date as its ISO string, bytes as binary, and leaves out undefined map values", () => {
    const decoded = roundTrip({ at: new Date("2026-01-01T00:00:00Z"), raw: new Uint8Array([1, 2]), gone: undefined });
    expect(decoded).toEqual({ at: "2026-01-01T00:00:00.000Z", raw: new Uint8Array([1, 2]) });
  });

  it("refuses what JSON cannot hold either", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => encodeMsgpack({ n: 10n })).toThrow(TypeError);
    expect(() => encodeMsgpack({ f: () => 1 })).toThrow(TypeError);
    expect(() => encodeMsgpack(cycle)).toThrow(TypeError);
  });
});
