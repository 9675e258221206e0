import { describe, expect, it } from "vitest";
import { useSeededBilling } from "../../../test/support/seeded-billing";

const session = useSeededBilling();
const { call, ok } = session;

const paths = (response: { body: { error: { details: { path: string }[] } } }) =>
  response.body.error.details.map((detail) => detail.path).sort();

describe("coupons", () => {
  it("creates a percentage coupon, keeping the percentage as a decimal string", async () => {
    const coupon = await ok("POST", "/v1/coupons", {
      id: "launch20",
      name: "Launch",
      percentOff: 20,
      duration: "repeating",
      durationInPeriods: 3,
      appliesToPlans: ["team"],
    });
    expect(coupon).toEqual({
      id: "launch20",
      name: "Launch",
      percentOff: "20",
      amountOff: null,
      currency: null,
      duration: "repeating",
      durationInPeriods: 3,
      appliesToPlans: ["team"],
      createdAt: expect.any(String),
      archivedAt: null,
    });
    expect(await ok("GET", "/v1/coupons/launch20")).toEqual(coupon);
    const half = await ok("POST", "/v1/coupons", { id: "half-a-point", percentOff: "12.50", duration: "forever" });
    expect(half).toMatchObject({ percentOff: "12.5", name: null, durationInPeriods: null, appliesToPlans: null });
  });

  it("shows an amount off with its currency's minor-unit digits", async () => {
    const usd = await ok("POST", "/v1/coupons", { id: "five-off", amountOff: "5", currency: "USD", duration: "once" });
    expect(usd).toMatchObject({ percentOff: null, amountOff: "5.00", currency: "USD", duration: "once" });
    const jpy = await ok("POST", "/v1/coupons", { id: "yen-off", amountOff: "500", currency: "JPY", duration: "once" });
    expect(jpy.amountOff).toBe("500");
  });

  it("names the field of each invalid value", async () => {
    const cases: [Record<string, unknown>, string[]][] = [
      [{ duration: "once" }, ["amountOff", "percentOff"]],
      [{ percentOff: 10, amountOff: "1.00", currency: "USD", duration: "once" }, ["amountOff", "percentOff"]],
      [{ percentOff: 0, duration: "once" }, ["percentOff"]],
      [{ percentOff: 100.5, duration: "once" }, ["percentOff"]],
      [{ percentOff: "-5", duration: "once" }, ["percentOff"]],
      [{ percentOff: "ten", duration: "once" }, ["percentOff"]],
      [{ percentOff: 10, currency: "USD", duration: "once" }, ["currency"]],
      [{ amountOff: "5.00", duration: "once" }, ["currency"]],
      [{ amountOff: "5.001", currency: "USD", duration: "once" }, ["amountOff"]],
      [{ amountOff: "5.5", currency: "JPY", duration: "once" }, ["amountOff"]],
      [{ amountOff: "0", currency: "USD", duration: "once" }, ["amountOff"]],
      [{ amountOff: 5, currency: "USD", duration: "once" }, ["amountOff"]],
      [{ amountOff: "5.00", currency: "usd", duration: "once" }, ["currency"]],
      [{ percentOff: 10, duration: "repeating" }, ["durationInPeriods"]],
      [{ percentOff: 10, duration: "forever", durationInPeriods: 2 }, ["durationInPeriods"]],
      [{ percentOff: 10, duration: "repeating", durationInPeriods: 0 }, ["durationInPeriods"]],
      [{ percentOff: 10, duration: "weekly" }, ["duration"]],
      [{ percentOff: 10, duration: "once", appliesToPlans: [] }, ["appliesToPlans"]],
      [{ percentOff: 10, duration: "once", colour: "red" }, ["colour"]],
    ];
    for (const [body, expected] of cases) {
      const response = await call("POST", "/v1/coupons", { id: "invalid", ...body });
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.code).toBe("validation_error");
      expect(paths(response), JSON.stringify(body)).toEqual(expected);
    }
    const badId = await call("POST", "/v1/coupons", { id: "not an id!", percentOff: 10, duration: "once" });
    expect(paths(badId)).toEqual(["id"]);
    expect((await call("GET", "/v1/coupons/invalid")).status).toBe(404);
  });

  it("refuses a coupon for a plan that does not exist", async () => {
    const response = await call("POST", "/v1/coupons", {
      id: "ghost-plan",
      percentOff: 10,
      duration: "once",
      appliesToPlans: ["team", "ghost"],
    });
    expect(response.status).toBe(400);
    expect(paths(response)).toEqual(["appliesToPlans.1"]);
  });

  it("answers 409 for an id already taken, leaving the first coupon as it was", async () => {
    const first = await ok("POST", "/v1/coupons", { id: "taken", percentOff: 10, duration: "once" });
    const again = await call("POST", "/v1/coupons", { id: "taken", percentOff: 50, duration: "forever" });
    expect([again.status, again.body.error.code]).toEqual([409, "conflict"]);
    expect(await ok("GET", "/v1/coupons/taken")).toEqual(first);
  });

  it("lists coupons by id, page by page", async () => {
    for (const id of ["page-c", "page-a", "page-b"]) {
      await ok("POST", "/v1/coupons", { id, percentOff: 5, duration: "forever" });
    }
    const all = await ok("GET", "/v1/coupons?limit=100");
    const ids = all.data.map((coupon: { id: string }) => coupon.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(expect.arrayContaining(["page-a", "page-b", "page-c"]));
    const first = await ok("GET", "/v1/coupons?limit=1&startingAfter=page-");
    expect(first).toEqual({ data: [expect.objectContaining({ id: "page-a" })], hasMore: true });
    const next = await ok("GET", "/v1/coupons?limit=2&startingAfter=page-a");
    expect(next.data.map((coupon: { id: string }) => coupon.id)).toEqual(["page-b", "page-c"]);
    expect((await call("GET", "/v1/coupons?limit=0")).status).toBe(400);
  });

  it("archives a coupon once; archiving again answers it unchanged", async () => {
    await ok("POST", "/v1/coupons", { id: "retired", percentOff: 10, duration: "once" });
    const archived = await ok("POST", "/v1/coupons/retired/archive");
    expect(archived.archivedAt).toEqual(expect.any(String));
    expect(await ok("POST", "/v1/coupons/retired/archive")).toEqual(archived);
    expect(await ok("GET", "/v1/coupons/retired")).toEqual(archived);
    expect((await call("POST", "/v1/coupons/nothing/archive")).status).toBe(404);
    expect((await call("POST", "/v1/coupons/retired/archive", { now: true })).status).toBe(400);
  });
});
