import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBilling, TEST_KEY, type TestBilling } from "../../test/support/billing";
import { seedCatalog } from "../../test/support/scenario";
import { Lumen } from "./client";
import { LumenError } from "./errors";
import type { FetchLike } from "./transport";

/** The SDK's coupons, discounts and credit balance against the real billing API over HTTP. */

let billing: TestBilling;
let baseUrl: string;
let lumen: Lumen;
const sent: { method: string; path: string }[] = [];

const recordingFetch: FetchLike = (url, init) => {
  sent.push({ method: init.method ?? "GET", path: new URL(url).pathname });
  return fetch(url, init);
};

beforeAll(async () => {
  billing = await startTestBilling();
  await seedCatalog(billing);
  await billing.app.listen({ port: 0, host: "127.0.0.1" });
  baseUrl = `http://127.0.0.1:${(billing.app.server.address() as AddressInfo).port}`;
  lumen = new Lumen({ apiUrl: baseUrl, secretKey: TEST_KEY, fetch: recordingFetch });
  await lumen.admin.customers.create({ id: "acme" });
});
afterAll(async () => {
  await billing.close();
});

const failure = (promise: Promise<unknown>) => promise.catch((error: unknown) => error);

describe("coupons", () => {
  it("creates, reads, pages through and archives coupons", async () => {
    const launch = await lumen.admin.coupons.create({
      id: "launch20",
      name: "Launch",
      percentOff: 20,
      duration: "repeating",
      durationInPeriods: 3,
      appliesToPlans: ["team"],
    });
    expect(launch).toMatchObject({ percentOff: "20", amountOff: null, currency: null, archivedAt: null });
    const five = await lumen.admin.coupons.create({
      id: "five-off",
      amountOff: "5",
      currency: "USD",
      duration: "once",
    });
    expect(five).toMatchObject({ percentOff: null, amountOff: "5.00", currency: "USD" });
    await expect(lumen.admin.coupons.get("launch20")).resolves.toEqual(launch);
    expect((await lumen.admin.coupons.list({ limit: 1 })).hasMore).toBe(true);
    const ids = [];
    for await (const coupon of lumen.admin.coupons.listAll({ limit: 1 })) ids.push(coupon.id);
    expect(ids).toEqual(["five-off", "launch20"]);
    const archived = await lumen.admin.coupons.archive("five-off");
    expect(archived.archivedAt).toEqual(expect.any(String));
  });

  it("throws a LumenError naming the fields of an invalid coupon, and a conflict for a taken id", async () => {
    const invalid = await failure(
      lumen.admin.coupons.create({ id: "both", percentOff: 10, amountOff: "1.00", currency: "USD", duration: "once" }),
    );
    expect(invalid).toBeInstanceOf(LumenError);
    expect(invalid).toMatchObject({
      code: "validation_error",
      status: 400,
      details: [{ path: "percentOff" }, { path: "amountOff" }],
    });
    const taken = await failure(lumen.admin.coupons.create({ id: "launch20", percentOff: 5, duration: "once" }));
    expect(taken).toMatchObject({ code: "conflict", status: 409 });
  });
});

describe("discounts", () => {
  it("applies, lists and removes a customer's discounts", async () => {
    const discount = await lumen.admin.discounts.apply("acme", { coupon: "launch20" });
    expect(discount).toMatchObject({
      id: expect.stringMatching(/^di_/),
      customer: "acme",
      coupon: { id: "launch20", percentOff: "20" },
      periodsUsed: 0,
      endedAt: null,
    });
    expect((await lumen.admin.discounts.list("acme")).data).toEqual([discount]);
    const removed = await lumen.admin.discounts.remove("acme", discount.id);
    expect(removed.endedAt).toEqual(expect.any(String));
    expect(await lumen.admin.discounts.list("acme", { limit: 5 })).toEqual({ data: [removed], hasMore: false });
    const archived = await failure(lumen.admin.discounts.apply("acme", { coupon: "five-off" }));
    expect(archived).toMatchObject({ code: "conflict", status: 409 });
  });
});

describe("credit balance", () => {
  it("adjusts the balance up and down, never below zero", async () => {
    const credit = await lumen.admin.creditBalance.adjust("acme", { amount: "50.00", description: "Goodwill" });
    expect(credit).toMatchObject({ id: expect.stringMatching(/^cbt_/), type: "adjustment", amount: "50.00" });
    const debit = await lumen.admin.creditBalance.adjust("acme", { amount: "-20" });
    expect(debit.amount).toBe("-20.00");
    await expect(lumen.admin.creditBalance.get("acme")).resolves.toEqual({
      customer: "acme",
      balance: "30.00",
      currency: "USD",
      transactions: [debit, credit],
    });
    const overdrawn = await failure(lumen.admin.creditBalance.adjust("acme", { amount: "-30.01" }));
    expect(overdrawn).toMatchObject({ code: "conflict", status: 409 });
  });

  it("has called every coupon, discount and credit-balance route the billing API documents", async () => {
    const spec = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { tags?: string[] }>>;
    };
    const routes = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) =>
          operation.tags?.some((tag) => ["coupons", "discounts", "credit-balance"].includes(tag)),
        )
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    const missing = routes.filter((route) => {
      const [method, template] = route.split(" ") as [string, string];
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
      return !sent.some((request) => request.method === method && pattern.test(request.path));
    });
    expect(routes).toHaveLength(9);
    expect(missing).toEqual([]);
  });
});
