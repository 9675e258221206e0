import { describe, expect, it } from "vitest";
import { PendingUsageBook } from "./pending-usage";

const usage = (quantity: number) => ({ feature: "f", entity: null, quantity });

describe("PendingUsageBook", () => {
  it("sums what is pending per feature and entity", () => {
    const book = new PendingUsageBook();
    book.addConsume("acme", "evt_1", usage(2));
    book.addConsume("acme", "evt_2", { feature: "f", entity: "seat-1", quantity: 1 });
    book.addConsume("acme", "evt_3", { feature: "g", entity: null, quantity: 4 });
    book.addHold("acme", "rsv_1", { feature: "f", entity: "seat-1", quantity: 3 }, 10);
    expect(book.at("acme", 0)).toEqual([
      usage(2),
      { feature: "f", entity: "seat-1", quantity: 4 },
      { feature: "g", entity: null, quantity: 4 },
    ]);
  });

  it("keeps a consume until its event settles, once", () => {
    const book = new PendingUsageBook();
    book.addConsume("acme", "evt_1", usage(2));
    book.addConsume("acme", "evt_2", usage(3));
    book.addConsume("other", "evt_3", usage(5));
    expect(book.at("acme", 0)).toEqual([usage(5)]);
    book.settle("evt_1");
    book.settle("evt_1");
    book.settle("evt_unknown");
    expect(book.at("acme", 0)).toEqual([usage(3)]);
    expect(book.at("other", 0)).toEqual([usage(5)]);
    expect(book.consumes).toBe(2);
  });

  it("counts a hold until it is removed or its expiry comes in the customer's time", () => {
    const book = new PendingUsageBook();
    book.addHold("acme", "rsv_1", usage(4), 1_000);
    book.addHold("acme", "rsv_2", usage(1), 2_000);
    expect(book.at("acme", 999)).toEqual([usage(5)]);
    expect(book.at("acme", 1_000)).toEqual([usage(1)]);
    book.removeHold("acme", "rsv_2");
    expect(book.at("acme", 0)).toEqual([usage(4)]);
    // A reservation and a consume of the same id never clash.
    book.addConsume("acme", "rsv_1", usage(7));
    book.settle("rsv_1");
    expect(book.at("acme", 0)).toEqual([usage(4)]);
  });
});
