import { describe, expect, it } from "vitest";
import { type Lease, planOwnership } from "./plan-ownership";

const NOW = 1_000_000;
const live = (owner: string): Lease => ({ owner, expires: NOW + 5_000 });

function plan(overrides: Partial<Parameters<typeof planOwnership>[0]>) {
  return planOwnership({
    me: "a",
    partitions: 4,
    liveMembers: 1,
    leases: new Map(),
    owned: new Set(),
    now: NOW,
    ...overrides,
  });
}

describe("planOwnership", () => {
  it("takes every free partition when alone", () => {
    expect(plan({}).acquire.sort()).toEqual([0, 1, 2, 3]);
  });

  it("takes no more than its share, ceil(partitions / live members)", () => {
    expect(plan({ partitions: 5, liveMembers: 2 }).acquire).toHaveLength(3);
    expect(plan({ partitions: 5, liveMembers: 2, owned: new Set([0, 1]) }).acquire).toHaveLength(1);
  });

  it("gives up its highest partitions when over its share", () => {
    expect(plan({ liveMembers: 2, owned: new Set([0, 1, 2, 3]) })).toEqual({ acquire: [], release: [3, 2] });
  });

  it.each<[string, Lease | null, boolean]>([
    ["a partition never leased", null, true],
    ["a released lease", { owner: "", expires: 0 }, true],
    ["an expired lease", { owner: "b", expires: NOW }, true],
    ["another member's live lease", live("b"), false],
  ])("treats %s as free: %s", (_name, lease, free) => {
    const result = plan({ partitions: 1, leases: new Map([[0, lease]]) });
    expect(result.acquire).toEqual(free ? [0] : []);
  });

  it("orders free partitions differently for different members", () => {
    const orders = ["a", "b", "c", "d"].map((me) => plan({ me, partitions: 16, liveMembers: 4 }).acquire.join());
    expect(new Set(orders).size).toBeGreaterThan(1);
  });
});
