import { pack } from "msgpackr";
import { describe, expect, it } from "vitest";
import { acceptsMsgpack, decodeBody } from "./http-codec";

describe("request bodies", () => {
  it("decode as MessagePack by content type, JSON otherwise", () => {
    expect(decodeBody(pack({ a: 1 }), "application/msgpack")).toEqual({ a: 1 });
    expect(decodeBody(pack({ a: 1 }), "application/x-msgpack; charset=binary")).toEqual({ a: 1 });
    expect(decodeBody(Buffer.from('{"a":1}'), "")).toEqual({ a: 1 });
    expect(decodeBody(Buffer.from('{"a":1}'), "text/plain")).toEqual({ a: 1 });
  });

  it("refuse trailing bytes, unknown extensions and non-string map keys as validation errors", () => {
    for (const bytes of [
      Buffer.from([0x01, 0x02]),
      Buffer.from([0xd4, 0x05, 0x40]),
      pack(
        new Map<unknown, unknown>([
          [1, 2],
          [{}, 3],
        ]),
      ),
    ]) {
      expect(() => decodeBody(bytes, "application/msgpack")).toThrow(
        expect.objectContaining({ code: "validation_error" }),
      );
    }
  });

  it("cannot reach an object's prototype through a __proto__ key", () => {
    const body = decodeBody(pack(new Map([["__proto__", { polluted: true }]])), "application/msgpack") as object;
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(({} as { polluted?: boolean }).polluted).toBeUndefined();
    const json = decodeBody(Buffer.from('{"__proto__": {"polluted": true}}'), "application/json") as object;
    expect(Object.getPrototypeOf(json)).toBe(Object.prototype);
  });

  it("honour Accept: application/msgpack", () => {
    expect(acceptsMsgpack("application/msgpack")).toBe(true);
    expect(acceptsMsgpack("application/json, application/msgpack;q=0.9")).toBe(true);
    expect(acceptsMsgpack("application/json")).toBe(false);
    expect(acceptsMsgpack("")).toBe(false);
  });
});
