import { Decimal } from "@lumen/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBilling, type TestBilling } from "../../../test/support/billing";
import { useSeededBilling } from "../../../test/support/seeded-billing";
import { withTransaction } from "../context";
import { appendCreditTransaction, creditBalanceOf, lockCreditBalance } from "./credit-balance";

const session = useSeededBilling();
const { call, ok } = session;

const paths = (response: { body: { error: { details: { path: string }[] } } }) =>
  response.body.error.details.map((detail) => detail.path).sort();

/** A customer living on a test clock at `frozenTime` (USD through the default plan). */
async function customerAt(id: string, frozenTime: string) {
  const clock = await ok("POST", "/v1/test-clocks", { frozenTime });
  await ok("POST", "/v1/customers", { id, testClock: clock.id });
  return clock.id as string;
}

describe("customer credit balance", () => {
  it("adds and takes back credit at the customer's time, newest entry first", async () => {
    const clock = await customerAt("credited", "2030-01-01T00:00:00Z");
    const credit = await ok("POST", "/v1/customers/credited/credit-balance", {
      amount: "50",
      description: "Goodwill",
    });
    expect(credit).toEqual({
      id: expect.stringMatching(/^cbt_/),
      type: "adjustment",
      amount: "50.00",
      description: "Goodwill",
      invoice: null,
      creditNote: null,
      createdAt: "2030-01-01T00:00:00.000Z",
    });
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2030-01-02T00:00:00Z" });
    const debit = await ok("POST", "/v1/customers/credited/credit-balance", { amount: "-12.50" });
    expect(debit).toMatchObject({ amount: "-12.50", description: null, createdAt: "2030-01-02T00:00:00.000Z" });
    expect(await ok("GET", "/v1/customers/credited/credit-balance")).toEqual({
      customer: "credited",
      balance: "37.50",
      currency: "USD",
      transactions: [debit, credit],
    });
  });

  it("never takes the balance below zero", async () => {
    await ok("POST", "/v1/customers", { id: "overdrawn" });
    await ok("POST", "/v1/customers/overdrawn/credit-balance", { amount: "10.00" });
    const refused = await call("POST", "/v1/customers/overdrawn/credit-balance", { amount: "-10.01" });
    expect([refused.status, refused.body.error.message]).toEqual([
      409,
      "The credit balance of customer 'overdrawn' is 10.00 USD: -10.01 would take it below zero",
    ]);
    await ok("POST", "/v1/customers/overdrawn/credit-balance", { amount: "-10.00" });
    const empty = await ok("GET", "/v1/customers/overdrawn/credit-balance");
    expect([empty.balance, empty.transactions.length]).toEqual(["0.00", 2]);
    expect((await call("POST", "/v1/customers/overdrawn/credit-balance", { amount: "-0.01" })).status).toBe(409);
  });

  it("lets only one of concurrent debits of the whole balance through", async () => {
    await ok("POST", "/v1/customers", { id: "raced" });
    await ok("POST", "/v1/customers/raced/credit-balance", { amount: "10.00" });
    const answers = await Promise.all(
      Array.from({ length: 4 }, () => call("POST", "/v1/customers/raced/credit-balance", { amount: "-10.00" })),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([200, 409, 409, 409]);
    expect((await ok("GET", "/v1/customers/raced/credit-balance")).balance).toBe("0.00");
  });

  it("names the field of each invalid value", async () => {
    await ok("POST", "/v1/customers", { id: "picky" });
    await ok("POST", "/v1/customers", { id: "yen", currency: "JPY" });
    const cases: [string, unknown, string[]][] = [
      ["picky", { amount: "10.001" }, ["amount"]],
      ["picky", { amount: 10 }, ["amount"]],
      ["picky", { amount: "0" }, ["amount"]],
      ["picky", { amount: "1e3" }, ["amount"]],
      ["picky", {}, ["amount"]],
      ["picky", { amount: "1.00", reason: "x" }, ["reason"]],
      ["picky", { amount: "1.00", currency: "usd" }, ["currency"]],
      ["yen", { amount: "5.5" }, ["amount"]],
    ];
    for (const [customer, body, expected] of cases) {
      const response = await call("POST", `/v1/customers/${customer}/credit-balance`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(paths(response), JSON.stringify(body)).toEqual(expected);
    }
    await expect(ok("POST", "/v1/customers/yen/credit-balance", { amount: "500" })).resolves.toMatchObject({
      amount: "500",
    });
    expect((await ok("GET", "/v1/customers/picky/credit-balance")).transactions).toEqual([]);
  });

  it("refuses a currency other than the customer's and answers 404 for an unknown customer", async () => {
    await ok("POST", "/v1/customers", { id: "dollars" });
    const euros = await call("POST", "/v1/customers/dollars/credit-balance", { amount: "1.00", currency: "EUR" });
    expect(euros.status).toBe(409);
    await ok("POST", "/v1/customers/dollars/credit-balance", { amount: "1.00", currency: "USD" });
    expect((await call("GET", "/v1/customers/nobody/credit-balance")).status).toBe(404);
    expect((await call("POST", "/v1/customers/nobody/credit-balance", { amount: "1.00" })).status).toBe(404);
  });

  it("replays a retried credit with the same Idempotency-Key instead of crediting twice", async () => {
    await ok("POST", "/v1/customers", { id: "retried" });
    const send = () =>
      session.billing.request({
        method: "POST",
        url: "/v1/customers/retried/credit-balance",
        body: { amount: "5.00" },
        headers: { "idempotency-key": "credit-once" },
      });
    const first = await send();
    const retry = await send();
    expect(retry.headers["idempotent-replayed"]).toBe("true");
    expect(retry.body).toEqual(first.body);
    expect((await ok("GET", "/v1/customers/retried/credit-balance")).balance).toBe("5.00");
  });
});

describe("credit balance for the invoice builder", () => {
  it("locks only inside a transaction, and reads the balance as the sum of the entries", async () => {
    await ok("POST", "/v1/customers", { id: "ledger" });
    const ctx = session.billing.ctx();
    await expect(lockCreditBalance(ctx, "ledger")).rejects.toThrow(/needs a transaction/);
    await ok("POST", "/v1/customers/ledger/credit-balance", { amount: "30.00" });
    const applied = await withTransaction(ctx, async (tx) => {
      const balance = await lockCreditBalance(tx, "ledger");
      expect(balance.toFixed(2)).toBe("30.00");
      return appendCreditTransaction(tx, {
        customerId: "ledger",
        type: "applied_to_invoice",
        amount: Decimal.min(balance, new Decimal("12.34")).negated(),
        currency: "USD",
        description: "Applied to invoice INV-000001",
        invoiceId: "inv_test",
        at: new Date("2030-01-01T00:00:00Z"),
      });
    });
    expect(applied).toEqual({
      id: expect.stringMatching(/^cbt_/),
      type: "applied_to_invoice",
      amount: "-12.34",
      description: "Applied to invoice INV-000001",
      invoice: "inv_test",
      creditNote: null,
      createdAt: new Date("2030-01-01T00:00:00Z"),
    });
    expect((await creditBalanceOf(ctx, "ledger")).toFixed(2)).toBe("17.66");
    expect((await ok("GET", "/v1/customers/ledger/credit-balance")).transactions[0]).toMatchObject({
      id: applied.id,
      invoice: "inv_test",
    });
  });

  it("refuses an entry below zero, in another currency, or finer than the minor unit", async () => {
    await ok("POST", "/v1/customers", { id: "guarded" });
    await ok("POST", "/v1/customers/guarded/credit-balance", { amount: "5.00" });
    const append = (amount: string, currency = "USD") =>
      appendCreditTransaction(session.billing.ctx(), {
        customerId: "guarded",
        type: "applied_to_invoice",
        amount: new Decimal(amount),
        currency,
        description: null,
        at: new Date(),
      });
    await expect(append("-5.01")).rejects.toMatchObject({ code: "conflict" });
    await expect(append("1.00", "EUR")).rejects.toMatchObject({ code: "conflict" });
    await expect(append("-0.001")).rejects.toMatchObject({ code: "validation_error" });
    await append("-5.00");
    expect((await creditBalanceOf(session.billing.ctx(), "guarded")).isZero()).toBe(true);
  });

  it("counts every entry in the balance, beyond the 100 it shows", async () => {
    await ok("POST", "/v1/customers", { id: "long-ledger" });
    await withTransaction(session.billing.ctx(), async (tx) => {
      for (let index = 0; index < 105; index++) {
        await appendCreditTransaction(tx, {
          customerId: "long-ledger",
          type: "adjustment",
          amount: new Decimal("1.00"),
          currency: "USD",
          description: `#${index}`,
          at: new Date("2030-01-01T00:00:00Z"),
        });
      }
    });
    const view = await ok("GET", "/v1/customers/long-ledger/credit-balance");
    expect([view.balance, view.transactions.length, view.transactions[0].description]).toEqual(["105.00", 100, "#104"]);
  });
});

describe("a customer without a currency", () => {
  // No default plan here: a new customer has no currency until its first plan.
  let bare: TestBilling;
  beforeAll(async () => {
    bare = await startTestBilling();
  });
  afterAll(async () => {
    await bare?.close();
  });

  it("needs a currency for its first credit, which then fixes the customer's", async () => {
    await bare.request({ method: "POST", url: "/v1/customers", body: { id: "newcomer" } });
    const url = "/v1/customers/newcomer/credit-balance";
    const empty = await bare.request({ method: "GET", url });
    expect(empty.body).toEqual({ customer: "newcomer", balance: "0", currency: null, transactions: [] });
    const refused = await bare.request({ method: "POST", url, body: { amount: "20.00" } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/no currency yet: its first plan fixes it/);
    const tooFine = await bare.request({ method: "POST", url, body: { amount: "20.001", currency: "EUR" } });
    expect(tooFine.status).toBe(400);
    const customer = await bare.request({ method: "GET", url: "/v1/customers/newcomer" });
    expect(customer.body.currency).toBeNull();

    const credited = await bare.request({ method: "POST", url, body: { amount: "20", currency: "EUR" } });
    expect([credited.status, credited.body.amount]).toEqual([200, "20.00"]);
    expect((await bare.request({ method: "GET", url: "/v1/customers/newcomer" })).body.currency).toBe("EUR");
    expect((await bare.request({ method: "GET", url })).body).toMatchObject({ balance: "20.00", currency: "EUR" });
    const dollars = await bare.request({ method: "POST", url, body: { amount: "1.00", currency: "USD" } });
    expect(dollars.status).toBe(409);
  });
});
