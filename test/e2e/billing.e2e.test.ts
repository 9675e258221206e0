import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Invoice, type InvoiceLine, Lumen, type PlanItemParams, type UpcomingInvoice } from "../../sdk/src";
import { freshLumenEnvironment, type RunningLumen, startLumen } from "../support/lumen-process";

/**
 * Issue 4 end to end: the billing engine's invoices through the SDK against `npm start`, each scenario on its own
 * customer and test clock (PRODUCT §3, §6, §7, §12). Amounts are asserted as the exact strings the API answers.
 */

let dataDir: string;
let env: Record<string, string>;
let running: RunningLumen | undefined;
let lumen: Lumen;

beforeAll(async () => {
  ({ env, dataDir } = await freshLumenEnvironment());
  running = await startLumen(env);
  const secretKey = /lum_sk_test_[A-Za-z0-9]+/.exec(running.output())?.[0];
  if (!secretKey) throw new Error(`no test key in the output of npm start:\n${running.output()}`);
  lumen = new Lumen({
    apiUrl: `http://127.0.0.1:${env.LUMEN_API_PORT}`,
    sidecarUrl: `http://127.0.0.1:${env.LUMEN_SIDECAR_PORT}`,
    secretKey,
  });
  await lumen.admin.features.create({ id: "seats", name: "Seats", type: "gauge" });
  await lumen.admin.features.create({
    id: "premium-messages",
    name: "Premium model messages",
    type: "metered",
    meter: { event: "message", aggregation: "count", filter: { model: ["gpt-5", "o3"] } },
  });
  await lumen.admin.features.create({
    id: "cheap-messages",
    name: "Cheap model messages",
    type: "metered",
    meter: { event: "message", aggregation: "count", filter: { model: ["gpt-5-mini"] } },
  });
}, 90_000);

afterAll(async () => {
  await lumen?.close();
  await running?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const SCENARIO_TIMEOUT = 60_000;

/** A seat just added or removed: the API answers the invoice of its proration too, which `EntityChange` omits. */
type SeatChange = Awaited<ReturnType<Lumen["admin"]["entities"]["create"]>> & { invoice: Invoice | null };

/** The pitch's Team plan (seed/why-lumen.txt): a base fee, seats, and per-seat allowances of two models. */
const chatPlanItems: PlanItemParams[] = [
  { type: "fixed", amount: "20.00" },
  { type: "feature", feature: "seats", price: { model: "per_unit", unitAmount: "25.00" } },
  {
    type: "feature",
    feature: "premium-messages",
    included: 100,
    per: "seat",
    reset: "month",
    price: { model: "per_unit", unitAmount: "0.20" },
  },
  {
    type: "feature",
    feature: "cheap-messages",
    included: 1000,
    per: "seat",
    reset: "month",
    price: { model: "per_unit", unitAmount: "0.02" },
  },
];

/** A plan with only a monthly fixed fee, in a group of its own scenario. */
async function createFlatPlan({
  id,
  name,
  amount,
  group,
}: {
  id: string;
  name: string;
  amount: string;
  group: string;
}) {
  await lumen.admin.plans.create({ id, name, currency: "USD", group, items: [{ type: "fixed", amount }] });
}

/** A customer living on a clock of its own, with its seats. */
async function customerOnClock({ id, at, seats = [] }: { id: string; at: string; seats?: string[] }) {
  const clock = await lumen.admin.testClocks.create({ frozenTime: at, name: id });
  await lumen.admin.customers.create({ id, name: id, testClock: clock.id });
  for (const seat of seats) await lumen.admin.entities.create(id, { id: seat, feature: "seats", name: seat });
  return { advance: (frozenTime: string) => lumen.admin.testClocks.advance(clock.id, { frozenTime }) };
}

/** The customer's invoices, oldest first (the API lists newest first). */
async function invoicesOf(customer: string): Promise<Invoice[]> {
  const invoices: Invoice[] = [];
  for await (const invoice of lumen.admin.invoices.listAll({ customer })) invoices.push(invoice);
  return invoices.reverse();
}

/** What a line bills, without its id. */
function billed(line: InvoiceLine) {
  return {
    type: line.type,
    description: line.description,
    feature: line.feature,
    entity: line.entity,
    quantity: line.quantity,
    amount: line.amount,
    periodStart: line.periodStart,
    periodEnd: line.periodEnd,
  };
}

/**
 * The lines in the order of the periods they bill, arrears before advance (a stable sort): the money asserted does
 * not depend on where finalization puts recounted usage lines (checked on its own, softly).
 */
function linesOf(invoice: Invoice | UpcomingInvoice): InvoiceLine[] {
  return [...invoice.lines].sort((a, b) => Date.parse(a.periodStart) - Date.parse(b.periodStart));
}

/** The parts of an invoice (or of the upcoming one) that say what is charged. */
function charged(invoice: Invoice | UpcomingInvoice) {
  return {
    periodStart: invoice.periodStart,
    periodEnd: invoice.periodEnd,
    lines: linesOf(invoice).map(billed),
    subtotal: invoice.subtotal,
    total: invoice.total,
  };
}

/** INV-000041 → INV-000042. */
function numberAfter(number: string | null): string {
  const match = /^INV-(\d{6})$/.exec(number ?? "");
  if (!match?.[1]) throw new Error(`not an invoice number: ${number}`);
  return `INV-${String(Number(match[1]) + 1).padStart(6, "0")}`;
}

/** Messages of one seat, fire-and-forget through the sidecar. */
function sendMessages({
  customer,
  seat,
  model,
  count,
  key,
}: {
  customer: string;
  seat?: string;
  model: string;
  count: number;
  key: string;
}) {
  for (let i = 0; i < count; i++) {
    lumen.track({
      customer,
      event: "message",
      ...(seat ? { entity: seat } : {}),
      properties: { model },
      idempotencyKey: `${key}-${i}`,
    });
  }
}

/**
 * Waits until the sidecar lives in the customer's clock time (its events take that time): its window of the
 * feature ends at `periodEnd`.
 */
async function waitForSidecarPeriod({
  customer,
  seat,
  feature,
  periodEnd,
}: {
  customer: string;
  seat?: string;
  feature: string;
  periodEnd: string;
}) {
  await expect
    .poll(
      async () => (await lumen.check({ customerId: customer, ...(seat ? { userId: seat } : {}), feature })).periodEnd,
      { timeout: 15_000, interval: 100 },
    )
    .toBe(periodEnd);
}

/** Waits until the owners have counted the usage: used per seat (or for the customer, key ""), per feature. */
async function waitForUsage(customer: string, expected: Record<string, Record<string, number>>) {
  await expect
    .poll(
      async () => {
        const usage = await lumen.admin.usage.get(customer);
        const seen: Record<string, Record<string, number>> = {};
        for (const feature of Object.keys(expected)) {
          const found = usage.features.find((candidate) => candidate.feature === feature);
          const bySeat: Record<string, number> = {};
          for (const scope of Object.keys(expected[feature] ?? {})) {
            bySeat[scope] =
              scope === "" ? (found?.used ?? 0) : (found?.entities.find((e) => e.entity === scope)?.used ?? 0);
          }
          seen[feature] = bySeat;
        }
        return seen;
      },
      { timeout: 20_000, interval: 200 },
    )
    .toEqual(expected);
}

describe("invoices through the SDK against npm start, on test clocks", () => {
  it(
    "bills the pitch's seat-based chat plan over two months: per-seat overage in arrears, fee and seats in advance",
    async () => {
      expect((await lumen.admin.settings.getInvoices()).gracePeriodSeconds).toBe(3600);
      await lumen.admin.plans.create({ id: "chat-team", name: "Team", currency: "USD", items: chatPlanItems });
      const customer = "chat-co";
      const [ada, grace] = ["chat-ada", "chat-grace"];
      const clock = await customerOnClock({ id: customer, at: "2026-03-01T00:00:00Z", seats: [ada, grace] });

      const attached = await lumen.admin.attach({ customer, plan: "chat-team" });
      expect(attached.invoice).toMatchObject({
        billingReason: "subscription_create",
        status: "open",
        total: "70.00",
      });
      expect(attached.invoice?.lines.map((line) => [line.type, line.quantity, line.amount])).toEqual([
        ["fixed", 1, "20.00"],
        ["seats", 2, "50.00"],
      ]);

      // Month 1: Ada 150 premium and 1,200 cheap messages, Grace 80 premium.
      await clock.advance("2026-03-10T12:00:00Z");
      await waitForSidecarPeriod({
        customer,
        seat: ada,
        feature: "premium-messages",
        periodEnd: "2026-04-01T00:00:00.000Z",
      });
      sendMessages({ customer, seat: ada, model: "gpt-5", count: 150, key: "m1-ada-premium" });
      sendMessages({ customer, seat: ada, model: "gpt-5-mini", count: 1200, key: "m1-ada-cheap" });
      sendMessages({ customer, seat: grace, model: "gpt-5", count: 80, key: "m1-grace-premium" });
      await lumen.flush();
      await waitForUsage(customer, {
        "premium-messages": { [ada]: 150, [grace]: 80 },
        "cheap-messages": { [ada]: 1200, [grace]: 0 },
      });

      await clock.advance("2026-03-31T23:00:00Z");
      const upcoming = await lumen.admin.invoices.upcoming(customer);
      await clock.advance("2026-04-01T01:00:01Z");

      const march = (await invoicesOf(customer)).at(-1)!;
      expect(march).toMatchObject({
        billingReason: "subscription_cycle",
        status: "open",
        periodStart: "2026-03-01T00:00:00.000Z",
        periodEnd: "2026-04-01T00:00:00.000Z",
        subtotal: "84.00",
        total: "84.00",
        amountDue: "84.00",
        finalizedAt: "2026-04-01T01:00:00.000Z",
      });
      expect(march.number).toBe(numberAfter(attached.invoice!.number));
      expect(linesOf(march).map((line) => [line.type, line.feature, line.entity, line.quantity, line.amount])).toEqual([
        ["usage", "premium-messages", ada, 50, "10.00"],
        ["usage", "cheap-messages", ada, 200, "4.00"],
        ["fixed", null, null, 1, "20.00"],
        ["seats", "seats", null, 2, "50.00"],
      ]);
      expect(linesOf(march).map((line) => [line.periodStart, line.periodEnd])).toEqual([
        ["2026-03-01T00:00:00.000Z", "2026-04-01T00:00:00.000Z"],
        ["2026-03-01T00:00:00.000Z", "2026-04-01T00:00:00.000Z"],
        ["2026-04-01T00:00:00.000Z", "2026-05-01T00:00:00.000Z"],
        ["2026-04-01T00:00:00.000Z", "2026-05-01T00:00:00.000Z"],
      ]);
      // The preview an hour before the close is what the close billed, in the same order.
      expect(charged(upcoming)).toEqual(charged(march));
      expect.soft(march.lines.map((line) => line.description)).toEqual(upcoming.lines.map((line) => line.description));

      // Month 2: Grace goes over on premium, Ada a little on cheap.
      await waitForSidecarPeriod({
        customer,
        seat: ada,
        feature: "premium-messages",
        periodEnd: "2026-05-01T00:00:00.000Z",
      });
      await clock.advance("2026-04-20T00:00:00Z");
      sendMessages({ customer, seat: ada, model: "gpt-5", count: 90, key: "m2-ada-premium" });
      sendMessages({ customer, seat: ada, model: "gpt-5-mini", count: 1025, key: "m2-ada-cheap" });
      sendMessages({ customer, seat: grace, model: "gpt-5", count: 130, key: "m2-grace-premium" });
      await lumen.flush();
      await waitForUsage(customer, {
        "premium-messages": { [ada]: 90, [grace]: 130 },
        "cheap-messages": { [ada]: 1025, [grace]: 0 },
      });
      await clock.advance("2026-05-01T01:00:01Z");

      const invoices = await invoicesOf(customer);
      expect(invoices).toHaveLength(3);
      const april = invoices[2]!;
      expect(april).toMatchObject({
        billingReason: "subscription_cycle",
        status: "open",
        periodStart: "2026-04-01T00:00:00.000Z",
        periodEnd: "2026-05-01T00:00:00.000Z",
        total: "76.50",
        amountDue: "76.50",
      });
      expect(april.number).toBe(numberAfter(march.number));
      expect(linesOf(april).map((line) => [line.type, line.feature, line.entity, line.quantity, line.amount])).toEqual([
        ["usage", "premium-messages", grace, 30, "6.00"],
        ["usage", "cheap-messages", ada, 25, "0.50"],
        ["fixed", null, null, 1, "20.00"],
        ["seats", "seats", null, 2, "50.00"],
      ]);

      // The document of the March invoice.
      const pdf = await lumen.admin.invoices.pdf(march.id);
      expect(Buffer.from(pdf.subarray(0, 5)).toString("latin1")).toBe("%PDF-");
    },
    SCENARIO_TIMEOUT,
  );

  it(
    "prorates an upgrade made exactly half-way through a 30-day month: −5.00 and +10.00 (Stripe's example)",
    async () => {
      await createFlatPlan({ id: "up-basic", name: "Basic", amount: "10.00", group: "upgrade" });
      await createFlatPlan({ id: "up-plus", name: "Plus", amount: "20.00", group: "upgrade" });
      const customer = "upgrade-co";
      const clock = await customerOnClock({ id: customer, at: "2026-04-01T00:00:00Z" });
      const first = await lumen.admin.attach({ customer, plan: "up-basic" });
      expect(first.invoice?.total).toBe("10.00");

      await clock.advance("2026-04-16T00:00:00Z");
      const upgraded = await lumen.admin.attach({ customer, plan: "up-plus" });
      expect(upgraded.subscription).toMatchObject({
        plan: "up-plus",
        currentPeriodStart: "2026-04-01T00:00:00.000Z",
        currentPeriodEnd: "2026-05-01T00:00:00.000Z",
      });
      expect(upgraded.invoice).toMatchObject({
        billingReason: "subscription_update",
        status: "open",
        number: numberAfter(first.invoice!.number),
        subtotal: "5.00",
        total: "5.00",
      });
      expect(upgraded.invoice?.lines.map((line) => [line.type, line.description, line.amount])).toEqual([
        ["proration", "Unused time on Basic", "-5.00"],
        ["proration", "Remaining time on Plus", "10.00"],
      ]);

      await clock.advance("2026-05-01T01:00:01Z");
      const period = (await invoicesOf(customer)).at(-1)!;
      expect(period.lines.map((line) => [line.type, line.description, line.amount])).toEqual([
        ["fixed", "Plus", "20.00"],
      ]);
      expect(period.total).toBe("20.00");
    },
    SCENARIO_TIMEOUT,
  );

  it(
    "invoices a seat added half-way through April at once: one proration line of 12.50",
    async () => {
      await lumen.admin.plans.create({
        id: "seat-plan",
        name: "Seats",
        currency: "USD",
        group: "seat-plan",
        items: [{ type: "feature", feature: "seats", price: { model: "per_unit", unitAmount: "25.00" } }],
      });
      const customer = "seat-co";
      const clock = await customerOnClock({ id: customer, at: "2026-04-01T00:00:00Z", seats: ["seat-1"] });
      const first = await lumen.admin.attach({ customer, plan: "seat-plan" });
      expect(first.invoice?.total).toBe("25.00");

      await clock.advance("2026-04-16T00:00:00Z");
      const added = (await lumen.admin.entities.create(customer, { id: "seat-2", feature: "seats" })) as SeatChange;
      expect(added.level).toBe(2);
      expect(added.invoice).toMatchObject({
        billingReason: "subscription_update",
        status: "open",
        number: numberAfter(first.invoice!.number),
        periodStart: "2026-04-16T00:00:00.000Z",
        periodEnd: "2026-05-01T00:00:00.000Z",
        total: "12.50",
      });
      expect(added.invoice?.lines.map(billed)).toEqual([
        {
          type: "proration",
          description: "Remaining time on 1 × seats (Seats)",
          feature: "seats",
          entity: null,
          quantity: 1,
          amount: "12.50",
          periodStart: "2026-04-16T00:00:00.000Z",
          periodEnd: "2026-05-01T00:00:00.000Z",
        },
      ]);

      // The next period bills both seats in advance and the proration only once.
      await clock.advance("2026-05-01T01:00:01Z");
      const invoices = await invoicesOf(customer);
      expect(invoices).toHaveLength(3);
      expect(invoices[2]!.lines.map((line) => [line.type, line.quantity, line.amount])).toEqual([
        ["seats", 2, "50.00"],
      ]);
    },
    SCENARIO_TIMEOUT,
  );

  it(
    "charges nothing during a 14-day trial, then bills the first paid period in advance at trial end",
    async () => {
      await lumen.admin.plans.create({
        id: "trial-team",
        name: "Team (trial)",
        currency: "USD",
        group: "trial",
        trialDays: 14,
        items: chatPlanItems,
      });
      const customer = "trial-co";
      const seat = "trial-ada";
      const clock = await customerOnClock({ id: customer, at: "2026-01-01T00:00:00Z", seats: [seat] });
      const attached = await lumen.admin.attach({ customer, plan: "trial-team" });
      expect(attached.invoice).toBeNull();
      expect(attached.subscription).toMatchObject({ status: "trialing", trialEnd: "2026-01-15T00:00:00.000Z" });

      // 150 premium messages in the trial: 50 beyond the allowance, never charged.
      await clock.advance("2026-01-05T00:00:00Z");
      await waitForSidecarPeriod({
        customer,
        seat,
        feature: "premium-messages",
        periodEnd: "2026-01-15T00:00:00.000Z",
      });
      sendMessages({ customer, seat, model: "gpt-5", count: 150, key: "trial-premium" });
      await lumen.flush();
      await waitForUsage(customer, { "premium-messages": { [seat]: 150 } });
      await clock.advance("2026-01-14T23:00:00Z");
      expect(await invoicesOf(customer)).toEqual([]);

      await clock.advance("2026-01-15T01:00:01Z");
      const invoices = await invoicesOf(customer);
      expect(invoices).toHaveLength(1);
      expect(invoices[0]).toMatchObject({
        billingReason: "subscription_cycle",
        status: "open",
        periodStart: "2026-01-01T00:00:00.000Z",
        periodEnd: "2026-01-15T00:00:00.000Z",
        total: "45.00",
      });
      expect(
        invoices[0]!.lines.map((line) => [line.type, line.quantity, line.amount, line.periodStart, line.periodEnd]),
      ).toEqual([
        ["fixed", 1, "20.00", "2026-01-15T00:00:00.000Z", "2026-02-15T00:00:00.000Z"],
        ["seats", 1, "25.00", "2026-01-15T00:00:00.000Z", "2026-02-15T00:00:00.000Z"],
      ]);
      const subscription = await lumen.admin.subscriptions.get(attached.subscription.id);
      expect(subscription.status).toBe("active");

      // The first paid period's close bills no trial usage either.
      await clock.advance("2026-02-15T01:00:01Z");
      const next = (await invoicesOf(customer)).at(-1)!;
      expect(next.lines.map((line) => [line.type, line.amount])).toEqual([
        ["fixed", "20.00"],
        ["seats", "25.00"],
      ]);
      expect(next.total).toBe("45.00");
    },
    SCENARIO_TIMEOUT,
  );

  it(
    "schedules a downgrade for the period end, then bills the cheaper plan in advance",
    async () => {
      await createFlatPlan({ id: "down-pro", name: "Pro", amount: "50.00", group: "downgrade" });
      await createFlatPlan({ id: "down-basic", name: "Basic", amount: "10.00", group: "downgrade" });
      const customer = "downgrade-co";
      const clock = await customerOnClock({ id: customer, at: "2026-04-01T00:00:00Z" });
      const first = await lumen.admin.attach({ customer, plan: "down-pro" });
      expect(first.invoice?.total).toBe("50.00");

      await clock.advance("2026-04-10T00:00:00Z");
      const downgraded = await lumen.admin.attach({ customer, plan: "down-basic" });
      expect(downgraded.invoice).toBeNull();
      expect(downgraded.subscription).toMatchObject({
        plan: "down-pro",
        scheduledChange: { plan: "down-basic", planVersion: 1, at: "2026-05-01T00:00:00.000Z" },
      });

      await clock.advance("2026-05-01T01:00:01Z");
      const invoices = await invoicesOf(customer);
      expect(invoices).toHaveLength(2);
      expect(invoices[1]).toMatchObject({ billingReason: "subscription_cycle", status: "open", total: "10.00" });
      expect(invoices[1]!.lines.map((line) => [line.type, line.description, line.plan, line.amount])).toEqual([
        ["fixed", "Basic", "down-basic", "10.00"],
      ]);
      const subscription = await lumen.admin.subscriptions.get(downgraded.subscription.id);
      expect(subscription).toMatchObject({ plan: "down-basic", scheduledChange: null });
    },
    SCENARIO_TIMEOUT,
  );

  it(
    "bills the ended plan's overage on the period invoice of a downgrade, beside the new plan's advance fee",
    async () => {
      await lumen.admin.plans.create({
        id: "metered-pro",
        name: "Pro (metered)",
        currency: "USD",
        group: "metered-downgrade",
        items: [
          { type: "fixed", amount: "50.00" },
          {
            type: "feature",
            feature: "premium-messages",
            included: 100,
            reset: "month",
            price: { model: "per_unit", unitAmount: "0.20" },
          },
        ],
      });
      await createFlatPlan({ id: "metered-basic", name: "Basic (flat)", amount: "10.00", group: "metered-downgrade" });
      const customer = "metered-downgrade-co";
      const clock = await customerOnClock({ id: customer, at: "2026-04-01T00:00:00Z" });
      await lumen.admin.attach({ customer, plan: "metered-pro" });

      await clock.advance("2026-04-12T00:00:00Z");
      await waitForSidecarPeriod({ customer, feature: "premium-messages", periodEnd: "2026-05-01T00:00:00.000Z" });
      sendMessages({ customer, model: "gpt-5", count: 120, key: "downgrade-premium" });
      await lumen.flush();
      await waitForUsage(customer, { "premium-messages": { "": 120 } });
      const downgraded = await lumen.admin.attach({ customer, plan: "metered-basic" });
      expect(downgraded.subscription.scheduledChange).toMatchObject({ plan: "metered-basic" });

      // April's overage was Pro's, priced by Pro (in force until the period end); May's fee is Basic's.
      const expected = [
        ["usage", "premium-messages", "metered-pro", 20, "4.00"],
        ["fixed", null, "metered-basic", 1, "10.00"],
      ];
      await clock.advance("2026-05-01T00:30:00Z");
      const draft = (await invoicesOf(customer)).at(-1)!;
      expect(draft).toMatchObject({ status: "draft", total: "14.00" });
      expect(linesOf(draft).map((line) => [line.type, line.feature, line.plan, line.quantity, line.amount])).toEqual(
        expected,
      );
      await clock.advance("2026-05-01T01:00:01Z");
      const final = await lumen.admin.invoices.get(draft.id);
      expect(linesOf(final).map((line) => [line.type, line.feature, line.plan, line.quantity, line.amount])).toEqual(
        expected,
      );
      expect(final).toMatchObject({ status: "open", total: "14.00" });
    },
    SCENARIO_TIMEOUT,
  );

  it(
    "cancels at the period end: the last invoice bills the period's usage and nothing in advance, then none",
    async () => {
      await lumen.admin.plans.create({
        id: "cancel-team",
        name: "Team (cancel)",
        currency: "USD",
        group: "cancel",
        items: [
          { type: "fixed", amount: "20.00" },
          {
            type: "feature",
            feature: "premium-messages",
            included: 100,
            reset: "month",
            price: { model: "per_unit", unitAmount: "0.20" },
          },
        ],
      });
      const customer = "cancel-co";
      const clock = await customerOnClock({ id: customer, at: "2026-04-01T00:00:00Z" });
      const { subscription, invoice } = await lumen.admin.attach({ customer, plan: "cancel-team" });
      expect(invoice?.total).toBe("20.00");

      await clock.advance("2026-04-12T00:00:00Z");
      await waitForSidecarPeriod({ customer, feature: "premium-messages", periodEnd: "2026-05-01T00:00:00.000Z" });
      sendMessages({ customer, model: "gpt-5", count: 120, key: "cancel-premium" });
      await lumen.flush();
      await waitForUsage(customer, { "premium-messages": { "": 120 } });
      const canceled = await lumen.admin.subscriptions.cancel(subscription.id, { when: "period_end" });
      expect(canceled).toMatchObject({ cancelAtPeriodEnd: true, status: "active" });

      // The close makes a draft for the grace period, then finalizes it.
      await clock.advance("2026-05-01T00:30:00Z");
      const draft = (await invoicesOf(customer)).at(-1)!;
      expect(draft).toMatchObject({ billingReason: "subscription_cycle", status: "draft", total: "4.00" });
      expect(draft.lines.map((line) => [line.type, line.feature, line.quantity, line.amount])).toEqual([
        ["usage", "premium-messages", 20, "4.00"],
      ]);
      await clock.advance("2026-05-01T01:00:01Z");
      const invoices = await invoicesOf(customer);
      expect(invoices).toHaveLength(2);
      // The recount at finalization still sees the period's usage, though the subscription has ended since.
      expect(invoices[1]!.lines.map((line) => [line.type, line.feature, line.quantity, line.amount])).toEqual([
        ["usage", "premium-messages", 20, "4.00"],
      ]);
      expect(invoices[1]).toMatchObject({
        id: draft.id,
        billingReason: "subscription_cycle",
        status: "open",
        periodStart: "2026-04-01T00:00:00.000Z",
        periodEnd: "2026-05-01T00:00:00.000Z",
        total: "4.00",
      });
      expect((await lumen.admin.subscriptions.get(subscription.id)).status).toBe("canceled");

      await clock.advance("2026-06-01T01:00:01Z");
      expect(await invoicesOf(customer)).toHaveLength(2);
    },
    SCENARIO_TIMEOUT,
  );

  it(
    "keeps a subscription on its plan version's price until a migration at the next period",
    async () => {
      await createFlatPlan({ id: "versioned", name: "Versioned", amount: "20.00", group: "versioned" });
      const customer = "version-co";
      const clock = await customerOnClock({ id: customer, at: "2026-01-01T00:00:00Z" });
      const { subscription, invoice } = await lumen.admin.attach({ customer, plan: "versioned" });
      expect(invoice?.total).toBe("20.00");
      const v2 = await lumen.admin.plans.update("versioned", {
        name: "Versioned",
        currency: "USD",
        group: "versioned",
        items: [{ type: "fixed", amount: "30.00" }],
      });
      expect(v2).toMatchObject({ version: 2, created: true });

      // Grandfathered: the February close still bills version 1.
      await clock.advance("2026-02-01T01:00:01Z");
      const february = (await invoicesOf(customer)).at(-1)!;
      expect(february.lines.map((line) => [line.type, line.amount, line.periodStart])).toEqual([
        ["fixed", "20.00", "2026-02-01T00:00:00.000Z"],
      ]);
      expect(february.total).toBe("20.00");
      expect((await lumen.admin.subscriptions.get(subscription.id)).planVersion).toBe(1);

      const { migrated } = await lumen.admin.plans.migrate("versioned", {
        fromVersion: 1,
        toVersion: 2,
        when: "next_period",
      });
      expect(migrated).toBe(1);
      await clock.advance("2026-03-01T01:00:01Z");
      const invoices = await invoicesOf(customer);
      expect(invoices).toHaveLength(3);
      expect(invoices[2]!.lines.map((line) => [line.type, line.amount, line.periodStart])).toEqual([
        ["fixed", "30.00", "2026-03-01T00:00:00.000Z"],
      ]);
      expect(invoices[2]!.total).toBe("30.00");
      expect((await lumen.admin.subscriptions.get(subscription.id)).planVersion).toBe(2);
    },
    SCENARIO_TIMEOUT,
  );

  it(
    "bills a percentage price on each event's amount, with the fixed fee and the minimum per event",
    async () => {
      await lumen.admin.features.create({
        id: "card-volume",
        name: "Card volume",
        type: "metered",
        meter: { event: "charge", aggregation: "sum", property: "amount" },
      });
      await lumen.admin.plans.create({
        id: "payments",
        name: "Payments",
        currency: "USD",
        group: "payments",
        items: [
          {
            type: "feature",
            feature: "card-volume",
            price: { model: "percentage", rate: "2.9", fixedAmount: "0.30", minPerEvent: "0.50" },
          },
        ],
      });
      const customer = "payments-co";
      const clock = await customerOnClock({ id: customer, at: "2026-04-01T00:00:00Z" });
      expect((await lumen.admin.attach({ customer, plan: "payments" })).invoice).toBeNull();
      for (const [index, amount] of [10, 1, 19.99].entries()) {
        await lumen.admin.events.track({
          customer,
          event: "charge",
          properties: { amount },
          idempotencyKey: `charge-${index}`,
        });
      }
      await waitForUsage(customer, { "card-volume": { "": 30.99 } });
      await clock.advance("2026-05-01T01:00:01Z");
      const [invoice] = await invoicesOf(customer);
      // 10.00 → 0.29 + 0.30 = 0.59; 1.00 → 0.329 → 0.50 (minimum); 19.99 → 0.57971 + 0.30 = 0.87971. Sum 1.96971.
      expect(invoice?.lines.map((line) => [line.type, line.description, line.quantity, line.amount])).toEqual([
        ["usage", "Card volume: 2.9% of 3 events + 0.30 each", 3, "1.97"],
      ]);
      expect(invoice).toMatchObject({ status: "open", total: "1.97" });
    },
    SCENARIO_TIMEOUT,
  );
});
