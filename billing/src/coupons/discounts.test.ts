import { Decimal } from "@lumen/core";
import { beforeAll, describe, expect, it } from "vitest";
import { useSeededBilling } from "../../../test/support/seeded-billing";
import { withTransaction } from "../context";
import { loadActiveDiscounts, recordDiscountsUsed } from "./discounts";

const session = useSeededBilling();
const { call, ok } = session;

/** A customer living on a test clock at `frozenTime`; USD through the default plan unless `currency` says. */
async function customerAt(id: string, frozenTime: string, currency?: string) {
  const clock = await ok("POST", "/v1/test-clocks", { frozenTime });
  await ok("POST", "/v1/customers", { id, testClock: clock.id, ...(currency ? { currency } : {}) });
  return clock.id as string;
}

const historyOf = async (customer: string, type: string) =>
  (await ok("GET", `/v1/customers/${customer}/history?limit=100`)).data.filter(
    (entry: { type: string }) => entry.type === type,
  );

beforeAll(async () => {
  await ok("POST", "/v1/coupons", { id: "twenty", name: "Twenty", percentOff: 20, duration: "once" });
  await ok("POST", "/v1/coupons", {
    id: "team-five",
    amountOff: "5.00",
    currency: "USD",
    duration: "repeating",
    durationInPeriods: 3,
    appliesToPlans: ["team"],
  });
  await ok("POST", "/v1/coupons", { id: "always", percentOff: "2.5", duration: "forever" });
  await ok("POST", "/v1/coupons", { id: "archived", percentOff: 10, duration: "once" });
  await ok("POST", "/v1/coupons/archived/archive");
});

describe("customer discounts", () => {
  it("applies a coupon at the customer's time and records discount.applied", async () => {
    await customerAt("discounted", "2030-01-01T00:00:00Z");
    const discount = await ok("POST", "/v1/customers/discounted/discounts", { coupon: "twenty" });
    expect(discount).toEqual({
      id: expect.stringMatching(/^di_/),
      customer: "discounted",
      coupon: await ok("GET", "/v1/coupons/twenty"),
      periodsUsed: 0,
      createdAt: "2030-01-01T00:00:00.000Z",
      endedAt: null,
    });
    const [applied] = await historyOf("discounted", "discount.applied");
    expect(applied).toMatchObject({ object: { type: "discount", id: discount.id }, before: null, after: discount });
  });

  it("refuses an archived coupon, a coupon already running, and an amount off in another currency", async () => {
    await ok("POST", "/v1/customers", { id: "refused" });
    const archived = await call("POST", "/v1/customers/refused/discounts", { coupon: "archived" });
    expect([archived.status, archived.body.error.code]).toEqual([409, "conflict"]);
    await ok("POST", "/v1/customers/refused/discounts", { coupon: "team-five" });
    const twice = await call("POST", "/v1/customers/refused/discounts", { coupon: "team-five" });
    expect(twice.status).toBe(409);

    await ok("POST", "/v1/customers", { id: "euro", currency: "EUR" });
    const dollars = await call("POST", "/v1/customers/euro/discounts", { coupon: "team-five" });
    expect([dollars.status, dollars.body.error.message]).toEqual([
      409,
      "Coupon 'team-five' takes an amount off in USD but customer 'euro' pays in EUR",
    ]);
    await ok("POST", "/v1/customers/euro/discounts", { coupon: "twenty" });
  });

  it("answers 404 for an unknown customer or coupon and 400 for a bad body", async () => {
    const customer = await call("POST", "/v1/customers/nobody/discounts", { coupon: "twenty" });
    expect([customer.status, customer.body.error.code]).toEqual([404, "not_found"]);
    await ok("POST", "/v1/customers", { id: "asks-nothing" });
    const coupon = await call("POST", "/v1/customers/asks-nothing/discounts", { coupon: "nothing" });
    expect([coupon.status, coupon.body.error.message]).toEqual([404, "No coupon with id 'nothing'"]);
    const extra = await call("POST", "/v1/customers/asks-nothing/discounts", { coupon: "twenty", percentOff: 5 });
    expect(extra.status).toBe(400);
    expect((await call("POST", "/v1/customers/asks-nothing/discounts", {})).status).toBe(400);
    expect((await call("GET", "/v1/customers/nobody/discounts")).status).toBe(404);
  });

  it("ends a discount at the customer's time, once, and records discount.removed", async () => {
    const clock = await customerAt("removed", "2030-01-01T00:00:00Z");
    const discount = await ok("POST", "/v1/customers/removed/discounts", { coupon: "always" });
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2030-02-01T00:00:00Z" });
    const ended = await ok("DELETE", `/v1/customers/removed/discounts/${discount.id}`);
    expect(ended).toEqual({ ...discount, endedAt: "2030-02-01T00:00:00.000Z" });
    const again = await call("DELETE", `/v1/customers/removed/discounts/${discount.id}`);
    expect([again.status, again.body.error.code]).toEqual([409, "conflict"]);
    expect((await call("DELETE", "/v1/customers/removed/discounts/di_missing")).status).toBe(404);
    const [removed] = await historyOf("removed", "discount.removed");
    expect(removed).toMatchObject({ before: { endedAt: null }, after: { endedAt: "2030-02-01T00:00:00.000Z" } });
    // An ended discount no longer blocks its coupon.
    await ok("POST", "/v1/customers/removed/discounts", { coupon: "always" });
  });

  it("lists discounts, running and ended, oldest first, page by page", async () => {
    const clock = await customerAt("listed", "2030-01-01T00:00:00Z");
    const ids: string[] = [];
    for (const [coupon, frozenTime] of [
      ["twenty", "2030-01-02T00:00:00Z"],
      ["team-five", "2030-01-03T00:00:00Z"],
      ["always", "2030-01-04T00:00:00Z"],
    ] as const) {
      await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime });
      ids.push((await ok("POST", "/v1/customers/listed/discounts", { coupon })).id);
    }
    await ok("DELETE", `/v1/customers/listed/discounts/${ids[1]}`);
    const first = await ok("GET", "/v1/customers/listed/discounts?limit=2");
    expect(first.data.map((discount: { id: string }) => discount.id)).toEqual(ids.slice(0, 2));
    expect(first.data[1].endedAt).toBe("2030-01-04T00:00:00.000Z");
    expect(first.hasMore).toBe(true);
    const rest = await ok("GET", `/v1/customers/listed/discounts?limit=2&startingAfter=${ids[1]}`);
    expect(rest).toEqual({ data: [expect.objectContaining({ id: ids[2], endedAt: null })], hasMore: false });
    expect((await call("GET", "/v1/customers/listed/discounts?startingAfter=di_nope")).status).toBe(400);
  });
});

describe("discounts for the invoice builder", () => {
  it("loads the running discounts oldest first, as invoice totals take them", async () => {
    const clock = await customerAt("builder", "2030-01-01T00:00:00Z");
    const applied: string[] = [];
    for (const [coupon, frozenTime] of [
      ["team-five", "2030-01-02T00:00:00Z"],
      ["twenty", "2030-01-03T00:00:00Z"],
      ["always", "2030-01-04T00:00:00Z"],
    ] as const) {
      await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime });
      applied.push((await ok("POST", "/v1/customers/builder/discounts", { coupon })).id);
    }
    await ok("DELETE", `/v1/customers/builder/discounts/${applied[2]}`);
    const active = await loadActiveDiscounts(session.billing.ctx(), "builder");
    expect(active).toEqual([
      {
        id: applied[0],
        coupon: "team-five",
        name: null,
        duration: "repeating",
        periodsLeft: 3,
        currency: "USD",
        totals: { id: applied[0], amountOff: new Decimal("5.00"), appliesToPlans: ["team"] },
      },
      {
        id: applied[1],
        coupon: "twenty",
        name: "Twenty",
        duration: "once",
        periodsLeft: 1,
        currency: null,
        totals: { id: applied[1], percentOff: new Decimal(20), appliesToPlans: null },
      },
    ]);
    expect(await loadActiveDiscounts(session.billing.ctx(), "nobody")).toEqual([]);
  });

  it("ends a once discount after one period, a repeating one after its periods, and never a forever one", async () => {
    await customerAt("used", "2030-01-01T00:00:00Z");
    const ids: Record<string, string> = {};
    for (const coupon of ["twenty", "team-five", "always"]) {
      ids[coupon] = (await ok("POST", "/v1/customers/used/discounts", { coupon })).id;
    }
    const ctx = session.billing.ctx();
    const periodEnds = ["2030-02-01T00:00:00Z", "2030-03-01T00:00:00Z", "2030-04-01T00:00:00Z", "2030-05-01T00:00:00Z"];
    const leftAfter: Record<string, number | null>[] = [];
    for (const at of periodEnds) {
      const active = await loadActiveDiscounts(ctx, "used");
      await withTransaction(ctx, (tx) =>
        recordDiscountsUsed(
          tx,
          active.map((discount) => discount.id),
          new Date(at),
          at,
        ),
      );
      // A second invoice of the same period (another subscription's) counts nothing more.
      await withTransaction(ctx, (tx) =>
        recordDiscountsUsed(
          tx,
          active.map((discount) => discount.id),
          new Date(at),
          at,
        ),
      );
      const left = await loadActiveDiscounts(ctx, "used");
      leftAfter.push(Object.fromEntries(left.map((discount) => [discount.coupon, discount.periodsLeft])));
    }
    expect(leftAfter).toEqual([
      { "team-five": 2, always: null },
      { "team-five": 1, always: null },
      { always: null },
      { always: null },
    ]);
    const listed = await ok("GET", "/v1/customers/used/discounts");
    const byCoupon = Object.fromEntries(
      listed.data.map((discount: { coupon: { id: string } }) => [discount.coupon.id, discount]),
    );
    expect(byCoupon.twenty).toMatchObject({ periodsUsed: 1, endedAt: "2030-02-01T00:00:00.000Z" });
    expect(byCoupon["team-five"]).toMatchObject({ periodsUsed: 3, endedAt: "2030-04-01T00:00:00.000Z" });
    expect(byCoupon.always).toMatchObject({ periodsUsed: 4, endedAt: null });
    const ended = await historyOf("used", "discount.ended");
    expect(ended.map((entry: { object: { id: string } }) => entry.object.id)).toEqual([ids.twenty, ids["team-five"]]);
    expect(ended[0]).toMatchObject({ before: { periodsUsed: 0, endedAt: null }, after: { periodsUsed: 1 } });
  });

  it("leaves ended discounts and unknown ids alone", async () => {
    await customerAt("left-alone", "2030-01-01T00:00:00Z");
    const discount = await ok("POST", "/v1/customers/left-alone/discounts", { coupon: "always" });
    const ended = await ok("DELETE", `/v1/customers/left-alone/discounts/${discount.id}`);
    const at = new Date("2030-02-01T00:00:00Z");
    await recordDiscountsUsed(session.billing.ctx(), [discount.id, "di_unknown"], at, at.toISOString());
    await recordDiscountsUsed(session.billing.ctx(), [], at, at.toISOString());
    expect((await ok("GET", "/v1/customers/left-alone/discounts")).data).toEqual([ended]);
  });
});
