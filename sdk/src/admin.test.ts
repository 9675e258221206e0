import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBilling, TEST_KEY, type TestBilling } from "../../test/support/billing";
import { startFakeAggregator } from "../../test/support/fake-aggregator";
import { startTestPipeline, type TestPipeline } from "../../test/support/pipeline";
import { Lumen } from "./client";
import { LumenError } from "./errors";
import type { FetchLike } from "./transport";
import type { AuditEntry, PlanDefinitionParams } from "./types";

/** The SDK against the real billing API over HTTP: a five-minute tour that touches every route. */

let billing: TestBilling;
let baseUrl: string;
let lumen: Lumen;
const sent: { method: string; path: string }[] = [];

const recordingFetch: FetchLike = (url, init) => {
  sent.push({ method: init.method ?? "GET", path: new URL(url).pathname });
  return fetch(url, init);
};

let pipeline: TestPipeline;
let aggregator: ReturnType<typeof startFakeAggregator>;

beforeAll(async () => {
  pipeline = await startTestPipeline();
  aggregator = startFakeAggregator(pipeline.nats, pipeline.names, { owner: { partitions: pipeline.partitions } });
  billing = await startTestBilling({ pipeline: pipeline.client });
  await billing.app.listen({ port: 0, host: "127.0.0.1" });
  baseUrl = `http://127.0.0.1:${(billing.app.server.address() as AddressInfo).port}`;
  lumen = new Lumen({ apiUrl: baseUrl, secretKey: TEST_KEY, fetch: recordingFetch });
});
afterAll(async () => {
  await billing.close();
  aggregator.stop();
  await pipeline.close();
});

const team = (fixed: string): PlanDefinitionParams => ({
  name: "Team",
  currency: "USD",
  items: [
    { type: "fixed", amount: fixed },
    { type: "feature", feature: "seats", price: { model: "per_unit", unitAmount: "25.00" } },
    {
      type: "feature",
      feature: "messages",
      included: 100,
      per: "seat",
      price: { model: "per_unit", unitAmount: "0.20" },
    },
    { type: "feature", feature: "sso" },
  ],
});

let clockId: string;
let subscriptionId: string;

describe("catalog", () => {
  it("creates boolean, metered and gauge features", async () => {
    const sso = await lumen.admin.features.create({ id: "sso", name: "SSO", type: "boolean" });
    expect(sso).toMatchObject({ id: "sso", type: "boolean", meter: null, archived: false, metadata: {} });
    expect(new Date(sso.createdAt).toISOString()).toBe(sso.createdAt);
    const messages = await lumen.admin.features.create({
      id: "messages",
      name: "Messages",
      type: "metered",
      meter: { event: "message", aggregation: "count", filter: { model: ["gpt-5"] } },
    });
    expect(messages.meter).toEqual({ event: "message", aggregation: "count", filter: { model: ["gpt-5"] } });
    await lumen.admin.features.create({ id: "seats", name: "Seats", type: "gauge", unit: "seat" });
  });

  it("reads, updates, lists and archives features", async () => {
    await expect(lumen.admin.features.get("seats")).resolves.toMatchObject({ type: "gauge", unit: "seat" });
    const renamed = await lumen.admin.features.update("sso", { name: "Single sign-on", metadata: { tier: "pro" } });
    expect(renamed).toMatchObject({ name: "Single sign-on", metadata: { tier: "pro" } });
    await lumen.admin.features.create({ id: "legacy-export", name: "Export", type: "boolean" });
    await expect(lumen.admin.features.archive("legacy-export")).resolves.toMatchObject({ archived: true });
    const page = await lumen.admin.features.list({ limit: 2 });
    expect(page).toMatchObject({ hasMore: true });
    expect(page.data.map((feature) => feature.id)).toEqual(["legacy-export", "messages"]);
    const all = [];
    for await (const feature of lumen.admin.features.listAll({ limit: 1 })) all.push(feature.id);
    expect(all).toEqual(["legacy-export", "messages", "seats", "sso"]);
  });

  it("creates a plan with fixed, seat and metered items, defaults applied", async () => {
    const plan = await lumen.admin.plans.create({ id: "team", ...team("20.00") });
    expect(plan).toMatchObject({ id: "team", version: 1, latestVersion: 1, interval: "month", group: "main" });
    expect(plan.items[2]).toEqual({
      type: "feature",
      feature: "messages",
      included: 100,
      per: "seat",
      pooled: false,
      reset: "billing_period",
      price: { model: "per_unit", unitAmount: "0.20" },
    });
    await lumen.admin.plans.create({ id: "old", name: "Old", currency: "USD", group: "legacy" });
    await expect(lumen.admin.plans.archive("old")).resolves.toMatchObject({ archived: true });
    await expect(lumen.admin.plans.get("team")).resolves.toMatchObject({ version: 1 });
    expect((await lumen.admin.plans.list()).data.map((p) => p.id)).toEqual(["old", "team"]);
    const ids = [];
    for await (const p of lumen.admin.plans.listAll({ limit: 1 })) ids.push(p.id);
    expect(ids).toEqual(["old", "team"]);
  });
});

describe("a customer's life on a test clock", () => {
  it("creates a clock and a customer living in its time", async () => {
    const clock = await lumen.admin.testClocks.create({ frozenTime: new Date("2026-01-05T00:00:00Z"), name: "tour" });
    expect(clock).toMatchObject({ frozenTime: "2026-01-05T00:00:00.000Z", name: "tour", status: "ready" });
    clockId = clock.id;
    const acme = await lumen.admin.customers.create({ id: "acme", name: "Acme Inc", testClock: clockId });
    expect(acme).toMatchObject({ id: "acme", testClock: clockId, createdAt: "2026-01-05T00:00:00.000Z" });
  });

  it("adds and removes seats", async () => {
    const ada = await lumen.admin.entities.create("acme", { id: "ada@acme", feature: "seats", name: "Ada" });
    expect(ada).toMatchObject({ id: "ada@acme", customer: "acme", level: 1, deletedAt: null });
    await expect(lumen.admin.entities.create("acme", { id: "grace", feature: "seats" })).resolves.toMatchObject({
      level: 2,
    });
    const seats = [];
    for await (const seat of lumen.admin.entities.listAll("acme", { limit: 1 })) seats.push(seat.id);
    expect(seats).toEqual(["ada@acme", "grace"]);
    await expect(lumen.admin.entities.delete("acme", "grace")).resolves.toMatchObject({ deleted: true, level: 1 });
    expect((await lumen.admin.entities.list("acme")).data.map((seat) => seat.id)).toEqual(["ada@acme"]);
  });

  it("attaches the plan; the customer shows the subscription and its entitlements", async () => {
    const { subscription, invoice, checkoutUrl } = await lumen.admin.attach({ customer: "acme", plan: "team" });
    expect(subscription).toMatchObject({
      customer: "acme",
      plan: "team",
      planVersion: 1,
      status: "active",
      currentPeriodStart: "2026-01-05T00:00:00.000Z",
      currentPeriodEnd: "2026-02-05T00:00:00.000Z",
      cancelAtPeriodEnd: false,
    });
    // The first period is billed in advance: the fixed fee and the one seat.
    expect(invoice).toMatchObject({ billingReason: "subscription_create", status: "open", total: "45.00" });
    expect(invoice?.lines.map((line) => [line.type, line.amount])).toEqual([
      ["fixed", "20.00"],
      ["seats", "25.00"],
    ]);
    expect(checkoutUrl).toBeNull();
    subscriptionId = subscription.id;
    const acme = await lumen.admin.customers.get("acme");
    expect(acme.currency).toBe("USD");
    expect(acme.subscriptions.map((sub) => sub.id)).toEqual([subscriptionId]);
    expect(acme.entitlements.map((entitlement) => entitlement.feature)).toEqual(["messages", "seats", "sso"]);
    await expect(lumen.admin.subscriptions.get(subscriptionId)).resolves.toEqual(subscription);
  });

  it("puts a new plan version and migrates the subscription to it", async () => {
    const v2 = await lumen.admin.plans.update("team", team("25.00"));
    expect(v2).toMatchObject({ version: 2, latestVersion: 2, created: true });
    await expect(lumen.admin.plans.update("team", team("25.00"))).resolves.toMatchObject({
      version: 2,
      created: false,
    });
    const versions = await lumen.admin.plans.listVersions("team");
    expect(versions.data.map((plan) => [plan.version, plan.items[0]])).toEqual([
      [1, { type: "fixed", amount: "20.00" }],
      [2, { type: "fixed", amount: "25.00" }],
    ]);
    await expect(lumen.admin.plans.getVersion("team", 1)).resolves.toMatchObject({ version: 1, latestVersion: 2 });
    await expect(lumen.admin.plans.migrate("team", { fromVersion: 1, toVersion: 2 })).resolves.toEqual({
      migrated: 1,
    });
  });

  it("advances the clock across one monthly period", async () => {
    const advanced = await lumen.admin.testClocks.advance(clockId, { frozenTime: "2026-02-06T00:00:00Z" });
    expect(advanced.frozenTime).toBe("2026-02-06T00:00:00.000Z");
    expect(advanced.jobsRun).toBeGreaterThanOrEqual(1);
    const renewed = await lumen.admin.subscriptions.get(subscriptionId);
    expect(renewed).toMatchObject({
      currentPeriodStart: "2026-02-05T00:00:00.000Z",
      currentPeriodEnd: "2026-03-05T00:00:00.000Z",
      planVersion: 2,
      scheduledChange: null,
    });
    await expect(lumen.admin.testClocks.get(clockId)).resolves.toMatchObject({
      frozenTime: "2026-02-06T00:00:00.000Z",
    });
  });

  it("cancels at period end, then resumes", async () => {
    const canceled = await lumen.admin.subscriptions.cancel(subscriptionId);
    expect(canceled).toMatchObject({
      status: "active",
      cancelAtPeriodEnd: true,
      canceledAt: "2026-02-06T00:00:00.000Z",
    });
    const resumed = await lumen.admin.subscriptions.resume(subscriptionId);
    expect(resumed).toMatchObject({ status: "active", cancelAtPeriodEnd: false, canceledAt: null });
  });

  it("keeps the history and answers entitlements at past moments", async () => {
    const types = (await lumen.admin.customers.history("acme")).data.map((entry) => entry.type);
    expect(types).toEqual(expect.arrayContaining(["customer.created", "seat.added", "subscription.created"]));
    const walked = [];
    for await (const entry of lumen.admin.customers.historyAll("acme", { limit: 2 })) walked.push(entry.type);
    expect(walked).toEqual(types);
    const before = await lumen.admin.customers.entitlements("acme", { at: "2026-01-04T00:00:00Z" });
    expect(before).toMatchObject({ customer: "acme", at: "2026-01-04T00:00:00.000Z", plans: [], features: [] });
    const during = await lumen.admin.customers.entitlements("acme", { at: new Date("2026-01-10T00:00:00Z") });
    expect(during.plans).toEqual([{ subscription: subscriptionId, plan: "team", version: 1, status: "active" }]);
    const now = await lumen.admin.customers.entitlements("acme");
    expect(now.at).toBe("2026-02-06T00:00:00.000Z");
  });
});

describe("usage", () => {
  it("tracks events through the billing API and reads usage back", async () => {
    const tracked = await lumen.admin.events.track({ customer: "acme", feature: "messages", idempotencyKey: "sdk-1" });
    expect(tracked).toMatchObject({ id: expect.stringMatching(/^evt_/), duplicate: false });
    const batch = await lumen.admin.events.batch([{ customer: "acme", feature: "messages" }, { customer: "acme" }]);
    expect(batch).toMatchObject({ accepted: 1, rejected: [{ index: 1 }] });
    const stored = await pipeline.readEvents();
    expect(stored.filter((event) => event.customer === "acme")).toHaveLength(2);
    const usage = await lumen.admin.usage.get("acme");
    expect(usage.features.find((feature) => feature.feature === "messages")).toMatchObject({ granted: true });
    const series = await lumen.admin.usage.timeseries("acme", {
      feature: "messages",
      from: "2026-01-01T00:00:00Z",
      to: new Date("2026-02-01T00:00:00Z"),
    });
    expect(series.points).toEqual([]);
    expect((await lumen.admin.events.list({ customer: "acme", limit: 5 })).hasMore).toBe(false);
    expect(
      aggregator.asked.map((question) => question.operation).filter((operation) => operation !== "usage.period_totals"),
    ).toEqual(["usage.timeseries", "usage.events"]);
  });
});

describe("grants, overrides and the authoritative check", () => {
  it("grants units, lists and voids them", async () => {
    const grant = await lumen.admin.grants.create("acme", {
      feature: "messages",
      amount: 250,
      expiresAt: new Date("2026-06-01T00:00:00Z"),
      priority: 1,
      reason: "promo",
    });
    expect(grant).toMatchObject({
      id: expect.stringMatching(/^grt_/),
      customer: "acme",
      amount: 250,
      expiresAt: "2026-06-01T00:00:00.000Z",
      createdAt: "2026-02-06T00:00:00.000Z",
      voidedAt: null,
    });
    const second = await lumen.admin.grants.create("acme", { feature: "messages", amount: 5 });
    const ids = [];
    for await (const each of lumen.admin.grants.listAll("acme", { limit: 1 })) ids.push(each.id);
    expect(ids).toEqual([grant.id, second.id]);
    await expect(lumen.admin.grants.void("acme", grant.id)).resolves.toMatchObject({
      voidedAt: "2026-02-06T00:00:00.000Z",
    });
    const refused = await lumen.admin.grants.create("acme", { feature: "sso", amount: 1 }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "validation_error", status: 400, details: [{ path: "feature" }] });
  });

  it("sets, lists and deletes overrides", async () => {
    const override = await lumen.admin.overrides.set("acme", "messages", {
      enabled: true,
      included: "unlimited",
      expiresAt: new Date("2026-03-01T00:00:00Z"),
    });
    expect(override).toMatchObject({ customer: "acme", feature: "messages", included: "unlimited" });
    expect((await lumen.admin.overrides.list("acme")).data).toEqual([override]);
    await expect(lumen.admin.overrides.delete("acme", "messages")).resolves.toEqual({
      customer: "acme",
      feature: "messages",
      deleted: true,
    });
  });

  it("checks and consumes through the owner of the customer", async () => {
    const checked = await lumen.admin.check({ customer: "acme", feature: "messages", entity: "ada@acme" });
    expect(checked).toMatchObject({ allowed: true, customer: "acme", feature: "messages", entity: "ada@acme" });
    await lumen.admin.check({ customer: "acme", feature: "messages", consume: true, quantity: 2 });
    expect(aggregator.ownerAsked.map((asked) => [asked.operation, asked.request.quantity])).toEqual([
      ["check", 1],
      ["consume", 2],
    ]);
    await expect(lumen.admin.check({ customer: "nobody", feature: "messages" })).resolves.toMatchObject({
      allowed: false,
      reason: "customer_not_found",
    });
  });
});

describe("invoices, credit notes, discounts and the credit balance", () => {
  it("lists, reads, previews, renders and settles invoices", async () => {
    await expect(
      lumen.admin.settings.putInvoices({ seller: { name: "Acme AI Ltd" }, gracePeriodSeconds: 600 }),
    ).resolves.toMatchObject({ gracePeriodSeconds: 600, seller: { name: "Acme AI Ltd" } });
    expect((await lumen.admin.settings.getInvoices()).seller.name).toBe("Acme AI Ltd");
    const invoices = [];
    for await (const invoice of lumen.admin.invoices.listAll({ customer: "acme", limit: 1 })) invoices.push(invoice);
    expect(invoices.length).toBeGreaterThanOrEqual(2);
    const first = invoices.at(-1)!;
    expect(first.billingReason).toBe("subscription_create");
    await expect(lumen.admin.invoices.get(first.id)).resolves.toMatchObject({ id: first.id, total: "45.00" });
    const pdf = await lumen.admin.invoices.pdf(first.id);
    expect(new TextDecoder().decode(pdf.slice(0, 5))).toBe("%PDF-");
    const upcoming = await lumen.admin.invoices.upcoming("acme");
    expect(upcoming).toMatchObject({ id: null, customer: "acme", currency: "USD" });

    // The period closed by the clock's advance: final after its grace period.
    const cycle = invoices[0]!;
    expect(cycle).toMatchObject({ billingReason: "subscription_cycle", status: "open" });
    expect(cycle.number).toMatch(/^INV-/);
    await expect(lumen.admin.invoices.finalize(cycle.id)).rejects.toMatchObject({ code: "conflict" });
    await expect(lumen.admin.invoices.pay(first.id)).resolves.toMatchObject({ status: "paid", amountPaid: "45.00" });
    // Paid out of band with the manual provider: no attempt through a provider.
    await expect(lumen.admin.invoices.payments(first.id)).resolves.toEqual({ data: [], hasMore: false });
    const note = await lumen.admin.creditNotes.create(first.id, { amount: "5.00", reason: "order_change" });
    expect(note).toMatchObject({ amount: "5.00", refund: "credit_balance" });
    await expect(lumen.admin.creditNotes.get(note.id)).resolves.toEqual(note);
    expect((await lumen.admin.creditNotes.list(first.id)).data).toEqual([note]);
    expect((await lumen.admin.creditBalance.get("acme")).balance).toBe("5.00");
    await expect(lumen.admin.invoices.markUncollectible(cycle.id)).resolves.toMatchObject({ status: "uncollectible" });
    await expect(lumen.admin.invoices.void(cycle.id)).resolves.toMatchObject({ status: "void" });
    await expect(lumen.admin.invoices.void(first.id)).rejects.toMatchObject({ code: "conflict", status: 409 });
  });

  it("applies coupons as customer discounts and adjusts the credit balance", async () => {
    await lumen.admin.coupons.create({ id: "tour10", percentOff: 10, duration: "forever" });
    const discount = await lumen.admin.discounts.apply("acme", { coupon: "tour10" });
    expect((await lumen.admin.discounts.list("acme")).data.map((entry) => entry.id)).toContain(discount.id);
    await lumen.admin.discounts.remove("acme", discount.id);
    await expect(lumen.admin.coupons.get("tour10")).resolves.toMatchObject({ id: "tour10" });
    expect((await lumen.admin.coupons.list()).data.map((coupon) => coupon.id)).toContain("tour10");
    await lumen.admin.coupons.archive("tour10");
    await lumen.admin.creditBalance.adjust("acme", { amount: "1.00", description: "goodwill" });
    expect((await lumen.admin.creditBalance.get("acme")).balance).toBe("6.00");
  });
});

describe("payment settings", () => {
  it("reads and merges the payment settings; Stripe needs the billing process's keys", async () => {
    await expect(lumen.admin.settings.getPayments()).resolves.toEqual({
      provider: "manual",
      dunning: { retryDays: [1, 3, 7], pastDueEntitlements: "keep", afterLastFailure: "cancel" },
      checkoutSuccessUrl: null,
      checkoutCancelUrl: null,
      reconcileAfterSeconds: 600,
    });
    const refused = await lumen.admin.settings.putPayments({ provider: "stripe" }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LumenError);
    expect(refused).toMatchObject({ code: "validation_error", status: 400, details: [{ path: "provider" }] });
    await expect(
      lumen.admin.settings.putPayments({
        dunning: { retryDays: [2, 5], pastDueEntitlements: "revoke" },
        checkoutSuccessUrl: "https://app.example/billing/done",
      }),
    ).resolves.toEqual({
      provider: "manual",
      dunning: { retryDays: [2, 5], pastDueEntitlements: "revoke", afterLastFailure: "cancel" },
      checkoutSuccessUrl: "https://app.example/billing/done",
      checkoutCancelUrl: null,
      reconcileAfterSeconds: 600,
    });
    await expect(
      lumen.admin.settings.putPayments({ dunning: { retryDays: [1, 3, 7], pastDueEntitlements: "keep" } }),
    ).resolves.toMatchObject({ provider: "manual", checkoutSuccessUrl: "https://app.example/billing/done" });
  });
});

describe("tax settings and custom tax rates", () => {
  it("reads and merges the tax settings; the built-in rules need the seller's country", async () => {
    await expect(lumen.admin.settings.getTax()).resolves.toEqual({
      mode: "none",
      origin: null,
      euOss: false,
      pricesIncludeTax: false,
      verifyTaxIds: false,
    });
    const refused = await lumen.admin.settings.putTax({ mode: "builtin" }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: "validation_error", status: 400, details: [{ path: "origin.country" }] });
    await lumen.admin.settings.putTax({ origin: { country: "DE" } });
    await expect(lumen.admin.settings.putTax({ mode: "builtin", euOss: true })).resolves.toEqual({
      mode: "builtin",
      origin: { country: "DE" },
      euOss: true,
      pricesIncludeTax: false,
      verifyTaxIds: false,
    });
    // The tour's later invoices stay untaxed.
    await expect(lumen.admin.settings.putTax({ mode: "none" })).resolves.toMatchObject({ origin: { country: "DE" } });
  });

  it("creates, reads, pages through, updates and archives tax rates", async () => {
    const california = await lumen.admin.taxRates.create({
      id: "us-ca",
      name: "CA sales tax",
      country: "US",
      state: "ca",
      percentage: "7.25",
    });
    expect(california).toMatchObject({ id: "us-ca", state: "CA", percentage: "7.25", archivedAt: null });
    await lumen.admin.taxRates.create({ id: "ch", name: "Swiss VAT", country: "CH", percentage: 8.1 });
    await expect(lumen.admin.taxRates.get("ch")).resolves.toMatchObject({ state: null, percentage: "8.1" });
    const second = lumen.admin.taxRates.create({
      id: "us-ca-2",
      name: "CA",
      country: "US",
      state: "CA",
      percentage: 7,
    });
    await expect(second).rejects.toMatchObject({ code: "conflict", status: 409 });
    const eu = lumen.admin.taxRates.create({ id: "fr", name: "TVA", country: "FR", percentage: 20 });
    await expect(eu).rejects.toMatchObject({ code: "validation_error", details: [{ path: "country" }] });
    expect((await lumen.admin.taxRates.list({ limit: 1 })).hasMore).toBe(true);
    const ids = [];
    for await (const rate of lumen.admin.taxRates.listAll({ limit: 1 })) ids.push(rate.id);
    expect(ids).toEqual(["ch", "us-ca"]);
    await expect(lumen.admin.taxRates.update("us-ca", { percentage: 7.5 })).resolves.toMatchObject({
      name: "CA sales tax",
      percentage: "7.5",
    });
    const archived = await lumen.admin.taxRates.archive("us-ca");
    expect(archived.archivedAt).not.toBeNull();
    await expect(
      lumen.admin.taxRates.create({ id: "us-ca-2", name: "CA", country: "US", state: "CA", percentage: 7 }),
    ).resolves.toMatchObject({ id: "us-ca-2" });
  });
});

describe("customers, clocks and the audit log", () => {
  it("updates, lists, pages through and deletes customers", async () => {
    await expect(lumen.admin.customers.update("acme", { email: "billing@acme.test" })).resolves.toMatchObject({
      email: "billing@acme.test",
      version: 3,
    });
    for (const id of ["c1", "c2", "c3"]) await lumen.admin.customers.create({ id });
    const ids = [];
    for await (const customer of lumen.admin.customers.listAll({ limit: 2 })) ids.push(customer.id);
    expect(ids).toEqual(["acme", "c1", "c2", "c3"]);
    await expect(lumen.admin.customers.delete("c3")).resolves.toEqual({ id: "c3", deleted: true });
    const gone = await lumen.admin.customers.get("c3").catch((e: unknown) => e);
    expect(gone).toBeInstanceOf(LumenError);
    expect((await lumen.admin.customers.list()).data.map((customer) => customer.id)).toEqual(["acme", "c1", "c2"]);
  });

  it("lists and deletes test clocks", async () => {
    const spare = await lumen.admin.testClocks.create({ frozenTime: "2027-01-01T00:00:00Z" });
    expect((await lumen.admin.testClocks.list()).data.map((clock) => clock.id).sort()).toEqual(
      [clockId, spare.id].sort(),
    );
    await expect(lumen.admin.testClocks.delete(spare.id)).resolves.toEqual({ id: spare.id, deleted: true });
    const left = [];
    for await (const clock of lumen.admin.testClocks.listAll()) left.push(clock.id);
    expect(left).toEqual([clockId]);
  });

  it("lists the audit log in seq order and verifies its chain", async () => {
    const firstPage = await lumen.admin.auditLog.list({ limit: 3 });
    expect(firstPage.hasMore).toBe(true);
    expect(firstPage.data[0]).toMatchObject({ seq: 1, env: "test", method: "POST", path: "/v1/features", status: 200 });
    const entries: AuditEntry[] = [];
    for await (const entry of lumen.admin.auditLog.listAll({ limit: 7 })) entries.push(entry);
    expect(entries.map((entry) => entry.seq)).toEqual(entries.map((_entry, index) => index + 1));
    expect(entries.slice(1).every((entry, index) => entry.prevHash === entries[index]?.hash)).toBe(true);
    await expect(lumen.admin.auditLog.verify()).resolves.toEqual({
      valid: true,
      checked: entries.length,
      brokenAt: null,
    });
  });

  it("has called every route the billing API documents", async () => {
    const spec = (await (await fetch(`${baseUrl}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const routes = Object.entries(spec.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const missing = routes.filter((route) => {
      const [method, template] = route.split(" ") as [string, string];
      const pattern = new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`);
      return !sent.some((request) => request.method === method && pattern.test(request.path));
    });
    expect(routes.length).toBeGreaterThan(30);
    expect(missing).toEqual([]);
  });
});
