import { describe, expect, it } from "vitest";
import { parseTrackInput } from "./usage-event";

describe("parseTrackInput", () => {
  it("accepts a feature event with defaults", () => {
    expect(parseTrackInput({ customer: "acme", feature: "api-calls" })).toEqual({
      ok: true,
      input: {
        customer: "acme",
        feature: "api-calls",
        event: null,
        entity: null,
        value: 1,
        properties: null,
        timestamp: null,
        idempotencyKey: null,
      },
    });
  });

  it("accepts a named event with properties, a timestamp and a fractional value", () => {
    const result = parseTrackInput({
      customer: "acme",
      event: "message",
      entity: "user_42",
      value: 0.5,
      properties: { model: "gpt-5", tokens: 12, cached: false },
      timestamp: "2026-01-01T10:00:00.250+01:00",
      idempotencyKey: "msg_8812",
    });
    if (!result.ok) throw new Error(JSON.stringify(result.details));
    expect(result.input.timestamp).toBe(Date.parse("2026-01-01T09:00:00.250Z"));
    expect(result.input.value).toBe(0.5);
  });

  it.each([
    [{ feature: "f" }, "customer"],
    [{ customer: "acme" }, "feature"],
    [{ customer: "acme", feature: "f", event: "e" }, "event"],
    [{ customer: "a b", feature: "f" }, "customer"],
    [{ customer: "acme", feature: "f", value: "1" }, "value"],
    [{ customer: "acme", feature: "f", value: Number.NaN }, "value"],
    [{ customer: "acme", feature: "f", timestamp: "yesterday" }, "timestamp"],
    [{ customer: "acme", feature: "f", timestamp: "2026-01-01T00:00:00" }, "timestamp"],
    [{ customer: "acme", feature: "f", properties: { nested: { a: 1 } } }, "properties.nested"],
    [{ customer: "acme", feature: "f", idempotencyKey: "" }, "idempotencyKey"],
    [{ customer: "acme", feature: "f", colour: "red" }, "colour"],
  ])("rejects %j at %s", (body, path) => {
    const result = parseTrackInput(body);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.details.map((d) => d.path)).toContain(path);
  });

  it("prefixes paths for batch items", () => {
    const result = parseTrackInput({ feature: "f" }, "events.3");
    expect(result.ok ? [] : result.details.map((d) => d.path)).toEqual(["events.3.customer"]);
  });

  it.each([null, [], "x", 7])("rejects a body that is not an object: %j", (body) => {
    expect(parseTrackInput(body).ok).toBe(false);
  });

  it("reads msgpack timestamps decoded as dates", () => {
    const result = parseTrackInput({ customer: "acme", feature: "f", timestamp: new Date("2026-02-01T00:00:00Z") });
    expect(result.ok && result.input.timestamp).toBe(Date.parse("2026-02-01T00:00:00Z"));
  });
});

describe("parseTrackInput refuses what storage could not keep exactly", () => {
  it("refuses event times before 2000, which period math cannot place", () => {
    const early = parseTrackInput({ customer: "acme", feature: "f", timestamp: new Date(-8.64e15) });
    expect(early.ok ? [] : early.details.map((d) => d.path)).toEqual(["timestamp"]);
    expect(parseTrackInput({ customer: "acme", feature: "f", timestamp: "1999-12-31T23:59:59Z" }).ok).toBe(false);
    expect(parseTrackInput({ customer: "acme", feature: "f", timestamp: "2000-01-01T00:00:00Z" }).ok).toBe(true);
  });

  it("refuses lone surrogates in keys, names and property values, and accepts real emoji", () => {
    for (const body of [
      { customer: "acme", feature: "f", idempotencyKey: "\ud800x" },
      { customer: "acme", event: "\udc00" },
      { customer: "acme", feature: "f", properties: { model: "a\ud800" } },
    ]) {
      expect(parseTrackInput(body).ok, JSON.stringify(body)).toBe(false);
    }
    expect(
      parseTrackInput({ customer: "acme", feature: "f", idempotencyKey: "😀-1", properties: { p: "😀" } }).ok,
    ).toBe(true);
  });
});
