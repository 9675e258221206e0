// Edge cases of the billing engine found in review (issue 4): each asserts what the contract asks for.
import { describe, expect, it } from "vitest";
import { useSeededBilling } from "../../../test/support/seeded-billing";

const session = useSeededBilling();
const { call, ok } = session;

async function clockedCustomer(id: string, frozenTime: string, extra: Record<string, unknown> = {}) {
  const clock = await ok("POST", "/v1/test-clocks", { frozenTime });
  await ok("POST", "/v1/customers", { id, name: `${id} Inc`, testClock: clock.id, ...extra });
  return clock.id as string;
}
const advance = (clock: string, frozenTime: string) => ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime });
async function invoicesOf(customer: string) {
  const { data } = await ok("GET", `/v1/invoices?customer=${customer}&limit=100`);
  return [...data].reverse() as { id: string; status: string; billingReason: string; discountTotal: string }[];
}

describe("discounts", () => {
  it("a once coupon limited to 'team' is not used up by an add-on invoice it did not discount", async () => {
    const clock = await clockedCustomer("rv-once", "2026-03-01T00:00:00Z");
    await ok("POST", "/v1/attach", { customer: "rv-once", plan: "team", trial: false });
    await ok("POST", "/v1/coupons", { id: "rv-team-once", percentOff: 20, duration: "once", appliesToPlans: ["team"] });
    await ok("POST", "/v1/customers/rv-once/discounts", { coupon: "rv-team-once" });
    const addOn = await ok("POST", "/v1/attach", { customer: "rv-once", plan: "extra-analytics" });
    expect(addOn.invoice).toMatchObject({ billingReason: "subscription_create", total: "5.00", discountTotal: "0.00" });
    const [discount] = (await ok("GET", "/v1/customers/rv-once/discounts")).data;
    expect(discount).toMatchObject({ periodsUsed: 0, endedAt: null });
    await advance(clock, "2026-04-01T01:00:00Z");
    const cycles = [];
    for (const invoice of await invoicesOf("rv-once")) {
      if (invoice.billingReason !== "subscription_cycle") continue;
      const read = await ok("GET", `/v1/invoices/${invoice.id}`);
      cycles.push([read.lines[0].plan, read.discountTotal]);
    }
    // 20% of the team plan's 20.00 fixed fee; nothing off the add-on.
    expect(cycles.sort()).toEqual([
      ["extra-analytics", "0.00"],
      ["team", "4.00"],
    ]);
  });

  it("a forever coupon discounts the first paid period when the customer leaves the free default plan", async () => {
    await clockedCustomer("rv-forever", "2026-03-01T00:00:00Z");
    await ok("POST", "/v1/coupons", { id: "rv-ten-forever", percentOff: 10, duration: "forever" });
    await ok("POST", "/v1/customers/rv-forever/discounts", { coupon: "rv-ten-forever" });
    const attach = await ok("POST", "/v1/attach", { customer: "rv-forever", plan: "team", trial: false });
    expect(attach.invoice.discountTotal).toBe("2.00");
  });
  it("a repeating coupon for 2 periods lasts 2 periods for a customer with a plan and an add-on", async () => {
    const clock = await clockedCustomer("rv-repeat", "2026-03-01T00:00:00Z");
    await ok("POST", "/v1/attach", { customer: "rv-repeat", plan: "team", trial: false });
    await ok("POST", "/v1/attach", { customer: "rv-repeat", plan: "extra-analytics" });
    await ok("POST", "/v1/coupons", { id: "rv-two", percentOff: 10, duration: "repeating", durationInPeriods: 2 });
    await ok("POST", "/v1/customers/rv-repeat/discounts", { coupon: "rv-two" });
    await advance(clock, "2026-05-01T01:00:00Z");
    const cycles = [];
    for (const invoice of (await invoicesOf("rv-repeat")).filter((i) => i.billingReason === "subscription_cycle")) {
      const read = await ok("GET", `/v1/invoices/${invoice.id}`);
      cycles.push(`${read.periodEnd.slice(0, 10)} ${read.subtotal} discount ${read.discountTotal}`);
    }
    // Periods ending Apr 1 and May 1: both discounted, for the plan and for the add-on.
    expect(cycles.filter((line) => line.endsWith("discount 0.00"))).toEqual([]);
  });
});

describe("credit notes and void", () => {
  it("voiding an open invoice that carries a credit note to the credit balance does not leave money behind", async () => {
    await clockedCustomer("rv-cn-void", "2026-04-01T00:00:00Z");
    const { invoice } = await ok("POST", "/v1/attach", { customer: "rv-cn-void", plan: "pro" });
    expect(invoice).toMatchObject({ status: "open", total: "99.00", amountDue: "99.00" });
    await ok("POST", `/v1/invoices/${invoice.id}/credit-notes`, { amount: "99.00", refund: "credit_balance" });
    const voided = await call("POST", `/v1/invoices/${invoice.id}/void`, {});
    const balance = (await ok("GET", "/v1/customers/rv-cn-void/credit-balance")).balance;
    // Either the void is refused, or the customer is not left with 99.00 for an invoice it never owed.
    expect(voided.status === 409 || balance === "0.00").toBe(true);
  });

  it("voiding a draft period invoice does not drop the prorated seat credit it had claimed", async () => {
    const clock = await clockedCustomer("rv-void-draft", "2026-04-01T00:00:00Z");
    await ok("POST", "/v1/attach", { customer: "rv-void-draft", plan: "team", trial: false });
    await ok("POST", "/v1/customers/rv-void-draft/entities", { id: "rv-void-draft-ada", feature: "seats" });
    await advance(clock, "2026-04-16T00:00:00Z");
    await ok("DELETE", "/v1/customers/rv-void-draft/entities/rv-void-draft-ada");
    await advance(clock, "2026-05-01T00:10:00Z");
    const draft = (await invoicesOf("rv-void-draft")).at(-1)!;
    const before = await ok("GET", `/v1/invoices/${draft.id}`);
    expect(before.lines.map((line: { amount: string }) => line.amount)).toContain("-12.50");
    await ok("POST", `/v1/invoices/${draft.id}/void`, {});
    await advance(clock, "2026-06-01T01:00:00Z");
    const all = [];
    for (const invoice of await invoicesOf("rv-void-draft")) {
      const read = await ok("GET", `/v1/invoices/${invoice.id}`);
      all.push(
        ...read.lines.filter((l: { type: string }) => l.type === "proration").map((l: any) => [read.status, l.amount]),
      );
    }
    // The -12.50 owed for the removed seat must still reach the customer on a non-void invoice.
    expect(all.some(([status, amount]) => status !== "void" && amount === "-12.50")).toBe(true);
  });
});

describe("coupon currency", () => {
  it("an amount-off coupon in USD never takes 5 off an invoice in JPY", async () => {
    // No default plan: a new customer has no currency until its first plan.
    await ok("POST", "/v1/plans/free/archive");
    await ok("POST", "/v1/plans", {
      id: "rv-yen",
      name: "Yen",
      currency: "JPY",
      group: "yen",
      items: [{ type: "fixed", amount: "1000" }],
    });
    await ok("POST", "/v1/coupons", { id: "rv-five-usd", amountOff: "5.00", currency: "USD", duration: "forever" });
    await clockedCustomer("rv-yen-customer", "2026-04-01T00:00:00Z");
    await ok("POST", "/v1/customers/rv-yen-customer/discounts", { coupon: "rv-five-usd" });
    const { invoice } = await ok("POST", "/v1/attach", { customer: "rv-yen-customer", plan: "rv-yen" });
    expect(invoice.discountTotal).toBe("0");
  });

  it("a customer whose currency was changed after a credit in USD can still be billed in EUR (or the change is refused)", async () => {
    await ok("POST", "/v1/plans", {
      id: "rv-euro",
      name: "Euro",
      currency: "EUR",
      group: "euro",
      items: [{ type: "fixed", amount: "20.00" }],
    });
    await clockedCustomer("rv-switch", "2026-04-01T00:00:00Z");
    await ok("POST", "/v1/customers/rv-switch/credit-balance", { amount: "50.00", currency: "USD" });
    const patch = await call("PATCH", "/v1/customers/rv-switch", { currency: "EUR" });
    const attach = await call("POST", "/v1/attach", { customer: "rv-switch", plan: "rv-euro" });
    expect(patch.status === 409 || attach.status === 200).toBe(true);
  });
});

describe("a period close when the pipeline is briefly unavailable", () => {
  it("is retried until it succeeds, not given up after five attempts (the subscription would never bill again)", async () => {
    const { runDueJobs } = await import("../jobs/run-due-jobs");
    const { jobHandlers } = await import("../jobs/handlers");
    const { systemClock, LumenError } = await import("@lumen/core");
    // A customer with the free default plan archived above gets no plan; use team in USD explicitly.
    const clock = await clockedCustomer("rv-outage", "2026-01-01T00:00:00Z", { currency: "USD" });
    await ok("POST", "/v1/attach", { customer: "rv-outage", plan: "team", trial: false });
    const { pool, pipeline } = session.billing.ctx();
    const down = {
      ...pipeline!,
      request: async () => {
        throw new LumenError("unavailable", "The metering pipeline did not answer (outage); retry shortly");
      },
    };
    const outage = await runDueJobs({
      pool,
      clock: systemClock,
      handlers: jobHandlers,
      clockId: clock,
      env: "test",
      until: new Date("2026-02-01T00:00:00Z"),
      pipeline: down,
    });
    // The close stays due: the run stops there, nothing is given up.
    expect(outage.failed.map((failure) => failure.key)).toEqual([expect.stringMatching(/^renew:/)]);
    // The pipeline is back: the clock moves on two months.
    await advance(clock, "2026-04-01T02:00:00Z");
    const sub = (await ok("GET", "/v1/customers/rv-outage")).subscriptions.find(
      (s: { plan: string }) => s.plan === "team",
    );
    expect(sub.currentPeriodStart).toBe("2026-04-01T00:00:00.000Z");
    const reasons = (await invoicesOf("rv-outage")).map((invoice) => invoice.billingReason);
    expect(reasons.filter((reason) => reason === "subscription_cycle")).toHaveLength(3);
  });
});

describe("lock order of a finalization", () => {
  it("a finalization racing with a seat added for the same customer does not deadlock", async () => {
    const { finalizeDraft } = await import("./invoice-actions");
    const { createEntity } = await import("../customers/entities");
    const clock = await clockedCustomer("rv-dl", "2026-04-01T00:00:00Z", { currency: "USD" });
    await ok("POST", "/v1/attach", { customer: "rv-dl", plan: "team", trial: false });
    await advance(clock, "2026-05-01T00:10:00Z");
    const draft = (await invoicesOf("rv-dl")).find((invoice) => invoice.status === "draft")!;
    const base = session.billing.ctx();
    const { pool } = base;
    // The publisher drained the customer's outbox row (it does after each commit).
    await pool.query("DELETE FROM definition_outbox WHERE env = 'test' AND kind = 'customer' AND key = 'rv-dl'");
    // Another customer's finalization holds the environment's invoice counter for a moment.
    const other = await pool.connect();
    await other.query("BEGIN");
    await other.query("SELECT * FROM document_numbers WHERE env = 'test' AND kind = 'invoice' FOR UPDATE");
    const finalizer = await pool.connect();
    const finalizerPid = (await finalizer.query("SELECT pg_backend_pid() AS pid")).rows[0].pid;
    await finalizer.query("BEGIN");
    const finalized = finalizeDraft({ ...base, tx: finalizer }, draft.id, new Date("2026-05-01T01:00:00Z")).then(
      async (result) => {
        await finalizer.query("COMMIT");
        return result.number;
      },
      async (error) => {
        await finalizer.query("ROLLBACK");
        throw error;
      },
    );
    const waitFor = async (sql: string, params: unknown[]) => {
      for (let i = 0; i < 100; i++) {
        if ((await pool.query(sql, params)).rows.length > 0) return;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      throw new Error(`timed out waiting for: ${sql}`);
    };
    await waitFor("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event_type = 'Lock'", [finalizerPid]);
    // The seat: customer row → history (outbox row) → seat proration invoice → credit-balance lock.
    const seat = createEntity({ ctx: base, customerId: "rv-dl", input: { id: "rv-dl-ada", feature: "seats" } });
    const seatSettled = seat.then(
      () => "ok",
      (error: Error) => `failed: ${error.message}`,
    );
    // Both wait now (the seat on the customer row the finalization holds), until the counter is free.
    await waitFor("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' HAVING count(*) >= 2", []);
    await other.query("COMMIT");
    other.release();
    const results = await Promise.all([
      finalized.then(
        (number) => `ok ${number}`,
        (error: Error) => `failed: ${error.message}`,
      ),
      seatSettled,
    ]);
    finalizer.release();
    expect(results.filter((result) => result.includes("deadlock"))).toEqual([]);
  });
});

describe("a first period shortened by billingAnchor", () => {
  it("is prorated, as decisions.md says (Stripe's prorated first period)", async () => {
    await ok("POST", "/v1/plans", {
      id: "rv-solo",
      name: "Solo",
      currency: "USD",
      group: "rv-solo",
      items: [{ type: "fixed", amount: "99.00" }],
    });
    await clockedCustomer("rv-anchor", "2026-03-10T00:00:00Z", { currency: "USD" });
    const attach = await ok("POST", "/v1/attach", {
      customer: "rv-anchor",
      plan: "rv-solo",
      billingAnchor: "2026-04-01T00:00:00Z",
    });
    const { subscription, invoice } = attach;
    expect(subscription.currentPeriodEnd).toBe("2026-04-01T00:00:00.000Z");
    // 22 of the 31 days of [Mar 10, Apr 1) ... the plan's month is 99.00; Stripe bills 99 × 22/31 = 70.26.
    expect(invoice.total).toBe("70.26");
  });
});

describe("late events and closedThrough", () => {
  it("an event dated in a period whose invoice is not final is accepted (monthly item cycles of an annual plan)", async () => {
    await ok("POST", "/v1/plans", {
      id: "rv-annual",
      name: "Annual",
      currency: "USD",
      interval: "year",
      group: "rv-annual",
      items: [
        { type: "fixed", amount: "120.00" },
        { type: "fixed", amount: "10.00", description: "Monthly support", billingInterval: "month" },
        {
          type: "feature",
          feature: "api-calls",
          included: 1000,
          reset: "year",
          price: { model: "per_unit", unitAmount: "0.01" },
        },
      ],
    });
    const clock = await clockedCustomer("rv-late-annual", "2026-01-01T00:00:00Z", { currency: "USD" });
    await ok("POST", "/v1/attach", { customer: "rv-late-annual", plan: "rv-annual" });
    await advance(clock, "2026-02-01T01:00:00Z");
    const invoices = await invoicesOf("rv-late-annual");
    // The first invoice and the monthly support close of February 1 (final).
    expect(invoices.map((invoice) => invoice.status)).toEqual(["open", "open"]);
    // The yearly-billed api-calls of [2026-01-01, 2027-01-01) are not invoiced yet: a dated event still counts.
    const late = await call("POST", "/v1/track", {
      customer: "rv-late-annual",
      feature: "api-calls",
      timestamp: "2026-01-20T00:00:00Z",
    });
    expect(late.status).toBe(202);
  });
});

describe("a version migration now that changes the interval", () => {
  it("bills the new period it starts (or prorates), like an attach that restarts the period", async () => {
    await ok("POST", "/v1/plans", {
      id: "rv-mig",
      name: "Mig",
      currency: "USD",
      group: "rv-mig",
      items: [{ type: "fixed", amount: "10.00" }],
    });
    await ok("PUT", "/v1/plans/rv-mig", {
      name: "Mig",
      currency: "USD",
      group: "rv-mig",
      interval: "year",
      items: [{ type: "fixed", amount: "100.00" }],
    });
    const clock = await clockedCustomer("rv-migrated", "2026-01-01T00:00:00Z", { currency: "USD" });
    await ok("POST", "/v1/attach", { customer: "rv-migrated", plan: "rv-mig", version: 1 });
    await advance(clock, "2026-01-15T00:00:00Z");
    expect(await ok("POST", "/v1/plans/rv-mig/migrate", { fromVersion: 1, toVersion: 2, when: "now" })).toEqual({
      migrated: 1,
    });
    await advance(clock, "2026-06-01T00:00:00Z");
    const sub = (await ok("GET", "/v1/customers/rv-migrated")).subscriptions.find(
      (s: { plan: string }) => s.plan === "rv-mig",
    );
    expect(sub).toMatchObject({ planVersion: 2, currentPeriodStart: "2026-01-15T00:00:00.000Z" });
    const invoices = [];
    for (const invoice of await invoicesOf("rv-migrated")) {
      const read = await ok("GET", `/v1/invoices/${invoice.id}`);
      invoices.push(
        `${read.billingReason} ${read.total} lines ${read.lines.map((l: { description: string; amount: string }) => `${l.description} ${l.amount}`).join(", ")}`,
      );
    }
    // The yearly period [2026-01-15, 2027-01-15) is in force: its 100.00 must be on some invoice.
    expect(invoices.some((line) => line.includes("Mig 100.00"))).toBe(true);
  });
});
