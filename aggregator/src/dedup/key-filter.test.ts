import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { KeyFilter } from "./key-filter";
import { idempotencyHash } from "./key-hash";

describe("KeyFilter", () => {
  it("never forgets a key it holds", () => {
    fc.assert(
      fc.property(fc.array(fc.string({ minLength: 1 }), { maxLength: 200 }), (keys) => {
        const filter = new KeyFilter(1_000);
        const hashes = keys.map((key) => idempotencyHash("test", "acme", key));
        for (const hash of hashes) filter.add(hash);
        for (const hash of hashes) expect(filter.mightContain(hash)).toBe(true);
      }),
    );
  });

  it("rarely claims a key it never held", () => {
    const filter = new KeyFilter(10_000);
    for (let i = 0; i < 10_000; i++) filter.add(idempotencyHash("test", "acme", `held-${i}`));
    let false_positives = 0;
    for (let i = 0; i < 10_000; i++)
      if (filter.mightContain(idempotencyHash("test", "acme", `new-${i}`))) false_positives++;
    expect(false_positives).toBeLessThan(300);
  });

  it("refuses keys past its capacity", () => {
    const filter = new KeyFilter(2);
    expect([1, 2, 3].map((hash) => filter.add(hash))).toEqual([true, true, false]);
  });
});
