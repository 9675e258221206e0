import { systemClock } from "@lumen/core";
import { describe, expect, it } from "vitest";
import { useSeededBilling } from "../../../test/support/seeded-billing";
import { jobHandlers } from "../jobs/handlers";
import { runDueJobs } from "../jobs/run-due-jobs";
import { RENEWAL_JOB, runRenewalJob } from "../subscriptions/renewal-job";
import { extractPdfText } from "./pdf-text.test-support";

const session = useSeededBilling();
const { call, ok } = session;

interface Line {
  type: string;
  description: string;
  amount: string;
  quantity: number;
  periodStart: string;
  periodEnd: string;
}

async function clockedCustomer(id: string, frozenTime: string, extra: Record<string, unknown> = {}) {
  const clock = await ok("POST", "/v1/test-clocks", { frozenTime });
  await ok("POST", "/v1/customers", { id, name: `${id} Inc`, testClock: clock.id, ...extra });
  return clock.id as string;
}

const advance = (clock: string, frozenTime: string) => ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime });

const summary = (lines: Line[]) => lines.map((line) => [line.type, line.description, line.amount]);

async function invoicesOf(customer: string) {
  const { data } = await ok("GET", `/v1/invoices?customer=${customer}&limit=100`);
  return [...data].reverse() as { id: string; number: string | null; status: string; billingReason: string }[];
}

describe("a subscription's invoices", () => {
  it("bills the first period in advance at attach, then each period at its end after the grace period", async () => {
    const clock = await clockedCustomer("inv-cycle", "2026-03-01T00:00:00Z");
    const attach = await ok("POST", "/v1/attach", { customer: "inv-cycle", plan: "team", trial: false });
    // From the default free plan to a paid one: a new billing period starts now, billed in advance.
    expect(attach.invoice).toMatchObject({
      billingReason: "subscription_update",
      status: "open",
      currency: "USD",
      subtotal: "20.00",
      total: "20.00",
      amountDue: "20.00",
    });
    expect(attach.invoice.number).toMatch(/^INV-\d{6}$/);
    expect(summary(attach.invoice.lines)).toEqual([
      ["fixed", "Team", "20.00"],
      ["seats", "Team: seats × 0", "0.00"],
    ]);

    await advance(clock, "2026-04-01T00:00:00Z");
    const [, draft] = await invoicesOf("inv-cycle");
    expect(draft).toMatchObject({ status: "draft", number: null, billingReason: "subscription_cycle" });
    const read = await ok("GET", `/v1/invoices/${draft!.id}`);
    expect(read).toMatchObject({
      periodStart: "2026-03-01T00:00:00.000Z",
      periodEnd: "2026-04-01T00:00:00.000Z",
      finalizesAt: "2026-04-01T01:00:00.000Z",
      total: "20.00",
    });
    expect(read.lines[0]).toMatchObject({
      periodStart: "2026-04-01T00:00:00.000Z",
      periodEnd: "2026-05-01T00:00:00.000Z",
    });

    await advance(clock, "2026-04-01T01:00:00Z");
    const final = await ok("GET", `/v1/invoices/${draft!.id}`);
    expect(final.status).toBe("open");
    expect(final.finalizedAt).toBe("2026-04-01T01:00:00.000Z");
    expect(Number(final.number.slice(4))).toBe(Number(attach.invoice.number.slice(4)) + 1);
  });

  it("closes many periods in one advance, in time order, one invoice each", async () => {
    const clock = await clockedCustomer("inv-many", "2026-01-31T00:00:00Z");
    await ok("POST", "/v1/attach", { customer: "inv-many", plan: "pro" });
    await advance(clock, "2026-06-01T00:00:00Z");
    const invoices = await invoicesOf("inv-many");
    const periods = [];
    for (const invoice of invoices) {
      const read = await ok("GET", `/v1/invoices/${invoice.id}`);
      periods.push([read.lines[0].periodStart.slice(0, 10), read.status]);
    }
    // Jan 31 → Feb 28 → Mar 31 → Apr 30 → May 31 (month-end clamping).
    expect(periods).toEqual([
      ["2026-01-31", "open"],
      ["2026-02-28", "open"],
      ["2026-03-31", "open"],
      ["2026-04-30", "open"],
      ["2026-05-31", "open"],
    ]);
    const numbers = invoices.filter((invoice) => invoice.number).map((invoice) => Number(invoice.number!.slice(4)));
    for (let i = 1; i < numbers.length; i++) expect(numbers[i]).toBeGreaterThan(numbers[i - 1]!);
  });

  it("prorates an upgrade exactly half-way (Stripe's example, doubled: 20.00 → 40.00 gives −10.00 and +20.00)", async () => {
    await ok("POST", "/v1/plans", {
      id: "double",
      name: "Double",
      currency: "USD",
      items: [{ type: "fixed", amount: "40.00" }],
    });
    const clock = await clockedCustomer("inv-upgrade", "2026-04-01T00:00:00Z");
    await ok("POST", "/v1/attach", { customer: "inv-upgrade", plan: "team", trial: false });
    await advance(clock, "2026-04-16T00:00:00Z");
    const change = await ok("POST", "/v1/attach", { customer: "inv-upgrade", plan: "double" });
    expect(change.invoice.billingReason).toBe("subscription_update");
    expect(summary(change.invoice.lines)).toEqual([
      ["proration", "Unused time on Team", "-10.00"],
      ["proration", "Remaining time on Double", "20.00"],
    ]);
    expect(change.invoice).toMatchObject({ total: "10.00", amountDue: "10.00", status: "open" });
  });

  it("puts a downgrade made now on the next invoice as a credit, and a negative immediate total in the credit balance", async () => {
    const clock = await clockedCustomer("inv-down", "2026-04-01T00:00:00Z");
    await ok("POST", "/v1/attach", { customer: "inv-down", plan: "pro" });
    await advance(clock, "2026-04-16T00:00:00Z");
    const down = await ok("POST", "/v1/attach", {
      customer: "inv-down",
      plan: "team",
      when: "now",
      trial: false,
      prorationBehavior: "always_invoice",
    });
    expect(summary(down.invoice.lines)).toEqual([
      ["proration", "Unused time on Pro", "-49.50"],
      ["proration", "Remaining time on Team", "10.00"],
    ]);
    expect(down.invoice).toMatchObject({ total: "-39.50", amountDue: "0.00", status: "paid" });
    const balance = await ok("GET", "/v1/customers/inv-down/credit-balance");
    expect(balance.balance).toBe("39.50");
    // The next period invoice uses the credit first.
    await advance(clock, "2026-05-01T01:00:00Z");
    const last = (await invoicesOf("inv-down")).at(-1)!;
    const read = await ok("GET", `/v1/invoices/${last.id}`);
    expect(read).toMatchObject({ total: "20.00", creditApplied: "20.00", amountDue: "0.00", status: "paid" });
    expect((await ok("GET", "/v1/customers/inv-down/credit-balance")).balance).toBe("19.50");
  });

  it("charges a seat added half-way at once and credits a removed one on the next invoice", async () => {
    const clock = await clockedCustomer("inv-seats", "2026-04-01T00:00:00Z");
    await ok("POST", "/v1/attach", { customer: "inv-seats", plan: "team", trial: false });
    await advance(clock, "2026-04-16T00:00:00Z");
    const added = await ok("POST", "/v1/customers/inv-seats/entities", { id: "inv-seats-ada", feature: "seats" });
    expect(summary(added.invoice.lines)).toEqual([["proration", "Remaining time on 1 × seats (Team)", "12.50"]]);
    const removed = await ok("DELETE", "/v1/customers/inv-seats/entities/inv-seats-ada");
    expect(removed.invoice).toBeNull();
    const upcoming = await ok("GET", "/v1/customers/inv-seats/upcoming-invoice");
    expect(summary(upcoming.lines)).toEqual([
      ["fixed", "Team", "20.00"],
      ["seats", "Team: seats × 0", "0.00"],
      ["proration", "Unused time on 1 × seats (Team)", "-12.50"],
    ]);
    await advance(clock, "2026-05-01T01:00:00Z");
    const last = (await invoicesOf("inv-seats")).at(-1)!;
    const read = await ok("GET", `/v1/invoices/${last.id}`);
    expect(summary(read.lines)).toEqual(summary(upcoming.lines));
    expect(read.total).toBe(upcoming.total);
    expect(read.total).toBe("7.50");
  });

  it("bills the first paid period at trial end, with nothing for the trial", async () => {
    const clock = await clockedCustomer("inv-trial", "2026-04-01T00:00:00Z");
    const attach = await ok("POST", "/v1/attach", { customer: "inv-trial", plan: "team" });
    expect(attach.invoice).toBeNull();
    await advance(clock, "2026-04-15T01:00:00Z");
    const invoices = await invoicesOf("inv-trial");
    expect(invoices).toHaveLength(1);
    const read = await ok("GET", `/v1/invoices/${invoices[0]!.id}`);
    expect(read).toMatchObject({ periodStart: "2026-04-01T00:00:00.000Z", periodEnd: "2026-04-15T00:00:00.000Z" });
    expect(summary(read.lines)).toEqual([
      ["fixed", "Team", "20.00"],
      ["seats", "Team: seats × 0", "0.00"],
    ]);
  });

  it("invoices the usage of a period ended by a cancel now, with a credit for unused time when asked", async () => {
    const clock = await clockedCustomer("inv-cancel", "2026-04-01T00:00:00Z");
    const { subscription } = await ok("POST", "/v1/attach", { customer: "inv-cancel", plan: "pro" });
    await advance(clock, "2026-04-16T00:00:00Z");
    await ok("POST", `/v1/subscriptions/${subscription.id}/cancel`, {
      when: "now",
      prorationBehavior: "create_prorations",
    });
    await advance(clock, "2026-04-16T01:00:00Z");
    const last = (await invoicesOf("inv-cancel")).at(-1)!;
    const read = await ok("GET", `/v1/invoices/${last.id}`);
    expect(read).toMatchObject({ status: "paid", periodEnd: "2026-04-16T00:00:00.000Z", total: "-49.50" });
    expect((await ok("GET", "/v1/customers/inv-cancel/credit-balance")).balance).toBe("49.50");
  });
});

describe("items with their own billing interval", () => {
  it("bill on their own boundaries inside the plan's period", async () => {
    await ok("POST", "/v1/plans", {
      id: "annual-support",
      name: "Annual",
      currency: "USD",
      interval: "year",
      group: "annual",
      items: [
        { type: "fixed", amount: "120.00" },
        { type: "fixed", amount: "10.00", description: "Monthly support", billingInterval: "month" },
      ],
    });
    const clock = await clockedCustomer("inv-items", "2026-01-01T00:00:00Z");
    const first = await ok("POST", "/v1/attach", { customer: "inv-items", plan: "annual-support" });
    expect(first.invoice.lines.map((line: Line) => [line.description, line.amount, line.periodEnd])).toEqual([
      ["Annual", "120.00", "2027-01-01T00:00:00.000Z"],
      ["Monthly support", "10.00", "2026-02-01T00:00:00.000Z"],
    ]);
    await advance(clock, "2026-03-01T02:00:00Z");
    const invoices = await invoicesOf("inv-items");
    expect(invoices.map((invoice) => invoice.status)).toEqual(["open", "open", "open"]);
    const lines = [];
    for (const invoice of invoices.slice(1)) {
      const read = await ok("GET", `/v1/invoices/${invoice.id}`);
      lines.push(read.lines.map((line: Line) => [line.description, line.amount, line.periodStart.slice(0, 10)]));
    }
    expect(lines).toEqual([[["Monthly support", "10.00", "2026-02-01"]], [["Monthly support", "10.00", "2026-03-01"]]]);
  });
});

describe("late events", () => {
  it("count while the period's invoice is a draft and are refused once it is final", async () => {
    const clock = await clockedCustomer("inv-late", "2026-04-01T00:00:00Z");
    await ok("POST", "/v1/attach", { customer: "inv-late", plan: "pro" });
    await advance(clock, "2026-05-01T00:30:00Z");
    const late = { customer: "inv-late", feature: "api-calls", timestamp: "2026-04-30T23:00:00Z" };
    expect((await call("POST", "/v1/track", late)).status).toBe(202);
    await advance(clock, "2026-05-01T01:00:00Z");
    const refused = await call("POST", "/v1/track", late);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0]).toMatchObject({ path: "timestamp" });
    expect(refused.body.error.details[0].message).toContain("2026-05-01T00:00:00.000Z");
    const batch = await call("POST", "/v1/events/batch", {
      events: [late, { ...late, timestamp: "2026-05-01T00:10:00Z" }],
    });
    expect(batch.status).toBe(202);
    expect(batch.body).toMatchObject({ accepted: 1, rejected: [{ index: 0 }] });
  });
});

describe("invoice actions", () => {
  async function openInvoice(customer: string) {
    await clockedCustomer(customer, "2026-04-01T00:00:00Z");
    return (await ok("POST", "/v1/attach", { customer, plan: "pro" })).invoice;
  }

  it("pays out of band, voids, marks uncollectible, and refuses what a status forbids", async () => {
    const paid = await openInvoice("inv-pay");
    expect(await ok("POST", `/v1/invoices/${paid.id}/pay`, { outOfBand: true })).toMatchObject({
      status: "paid",
      amountPaid: "99.00",
    });
    expect((await call("POST", `/v1/invoices/${paid.id}/void`, {})).status).toBe(409);
    expect((await call("POST", `/v1/invoices/${paid.id}/pay`, {})).status).toBe(400);

    const voided = await openInvoice("inv-void");
    expect((await ok("POST", `/v1/invoices/${voided.id}/void`, {})).status).toBe("void");
    expect((await call("POST", `/v1/invoices/${voided.id}/mark-uncollectible`, {})).status).toBe(409);

    const bad = await openInvoice("inv-bad");
    expect((await ok("POST", `/v1/invoices/${bad.id}/mark-uncollectible`, {})).status).toBe("uncollectible");
    expect((await ok("POST", `/v1/invoices/${bad.id}/pay`, { outOfBand: true })).status).toBe("paid");
  });

  it("keeps a final invoice immutable, even to a direct write", async () => {
    const invoice = await openInvoice("inv-immutable");
    const pool = session.billing.ctx().pool;
    await expect(pool.query("UPDATE invoices SET total = 1 WHERE id = $1", [invoice.id])).rejects.toThrow(/final/);
    await expect(pool.query("DELETE FROM invoice_lines WHERE invoice_id = $1", [invoice.id])).rejects.toThrow(/final/);
    expect((await ok("GET", `/v1/invoices/${invoice.id}`)).total).toBe("99.00");
  });

  it("issues credit notes up to the invoice's total, to the credit balance or nowhere", async () => {
    const invoice = await openInvoice("inv-cn");
    await ok("POST", `/v1/invoices/${invoice.id}/pay`, { outOfBand: true });
    const note = await ok("POST", `/v1/invoices/${invoice.id}/credit-notes`, {
      amount: "10.00",
      reason: "order_change",
      refund: "credit_balance",
    });
    expect(note).toMatchObject({ amount: "10.00", invoice: invoice.id, refund: "credit_balance" });
    expect(note.number).toMatch(/^CN-\d{6}$/);
    expect((await ok("GET", "/v1/customers/inv-cn/credit-balance")).balance).toBe("10.00");
    await ok("POST", `/v1/invoices/${invoice.id}/credit-notes`, { amount: "80.00", refund: "none" });
    const tooMuch = await call("POST", `/v1/invoices/${invoice.id}/credit-notes`, { amount: "9.01" });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.body.error.details[0].path).toBe("amount");
    expect((await ok("GET", "/v1/customers/inv-cn/credit-balance")).balance).toBe("10.00");
    expect((await ok("GET", `/v1/invoices/${invoice.id}/credit-notes`)).data).toHaveLength(2);
  });

  it("renders the PDF with the seller, the customer, the lines and the totals", async () => {
    await ok("PUT", "/v1/settings/invoices", { seller: { name: "Lumen Test Seller GmbH", taxId: "DE999999999" } });
    const invoice = await openInvoice("inv-pdf");
    const response = await session.billing.app.inject({
      method: "GET",
      url: `/v1/invoices/${invoice.id}/pdf`,
      headers: { authorization: `Bearer ${(await import("../../../test/support/billing")).TEST_KEY}` },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers["content-type"]).toBe("application/pdf");
    const text = extractPdfText(response.rawPayload);
    for (const expected of ["Lumen Test Seller GmbH", "inv-pdf Inc", invoice.number, "Pro", "USD 99.00"]) {
      expect(text).toContain(expected);
    }
  });
});

describe("exactly once", () => {
  it("a crash in the middle of a close leaves nothing behind, and the retried close makes the one invoice", async () => {
    const clock = await clockedCustomer("inv-crash", "2026-01-01T00:00:00Z");
    await ok("POST", "/v1/attach", { customer: "inv-crash", plan: "pro" });
    const { pool, pipeline } = session.billing.ctx();
    let crashes = 0;
    let invoicesSeenByTheCrashedClose = 0;
    // The first close writes its invoice, then dies before the job's transaction commits; the job runs again.
    const crashingOnce = {
      ...jobHandlers,
      [RENEWAL_JOB]: async (ctx: Parameters<typeof runRenewalJob>[0], job: Parameters<typeof runRenewalJob>[1]) => {
        await runRenewalJob(ctx, job);
        if (crashes > 0) return;
        crashes++;
        const { rows } = await ctx.tx!.query("SELECT count(*)::int AS n FROM invoices WHERE customer_id = 'inv-crash'");
        invoicesSeenByTheCrashedClose = rows[0].n;
        throw new Error("killed mid-close");
      },
    };
    const until = new Date("2026-02-01T00:00:00Z");
    await runDueJobs({
      pool,
      clock: systemClock,
      handlers: crashingOnce,
      clockId: clock,
      env: "test",
      until,
      pipeline,
    });
    expect(crashes).toBe(1);
    expect(invoicesSeenByTheCrashedClose).toBe(2);
    const invoices = await invoicesOf("inv-crash");
    expect(invoices.map((invoice) => invoice.billingReason)).toEqual(["subscription_update", "subscription_cycle"]);
  });

  it("two job runners racing over the same due work make one invoice per period", async () => {
    const clock = await clockedCustomer("inv-race", "2026-01-01T00:00:00Z");
    await ok("POST", "/v1/attach", { customer: "inv-race", plan: "pro" });
    const { pool } = session.billing.ctx();
    // Move the clock's work forward from two runners at once, as two billing processes would.
    const run = () =>
      runDueJobs({
        pool,
        clock: systemClock,
        handlers: jobHandlers,
        clockId: clock,
        env: "test",
        until: new Date("2026-05-01T02:00:00Z"),
        pipeline: session.billing.ctx().pipeline,
      });
    await Promise.all([run(), run()]);
    const invoices = await invoicesOf("inv-race");
    expect(invoices.map((invoice) => invoice.status)).toEqual(["open", "open", "open", "open", "open"]);
    const periods = new Set<string>();
    for (const invoice of invoices) periods.add((await ok("GET", `/v1/invoices/${invoice.id}`)).lines[0].periodStart);
    expect(periods.size).toBe(5);
  });
});
