import { Decimal } from "@lumen/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { useSeededBilling } from "../../../test/support/seeded-billing";
import { withTransaction } from "../context";
import { appendCreditTransaction, lockCreditBalance } from "./credit-balance";

const session = useSeededBilling();
const { call, ok } = session;

/** What happens to a balance: credits and debits through the API, credit applied to invoices by the builder. */
type Step =
  | { kind: "credit"; cents: number }
  | { kind: "debit"; cents: number }
  | { kind: "apply"; invoiceCents: number };

const cents = fc.integer({ min: 1, max: 50_000 });
const step: fc.Arbitrary<Step> = fc.oneof(
  cents.map((value) => ({ kind: "credit", cents: value }) as const),
  cents.map((value) => ({ kind: "debit", cents: value }) as const),
  cents.map((value) => ({ kind: "apply", invoiceCents: value }) as const),
);

const dollars = (value: number) => new Decimal(value).dividedBy(100).toFixed(2);

/** What finalization does with the balance: lock it, apply what the invoice can take, append the entry. */
async function applyToInvoice(customerId: string, invoiceCents: number): Promise<number> {
  return withTransaction(session.billing.ctx(), async (ctx) => {
    const balance = await lockCreditBalance(ctx, customerId);
    const applied = Decimal.min(balance, new Decimal(invoiceCents).dividedBy(100));
    if (applied.isZero()) return 0;
    await appendCreditTransaction(ctx, {
      customerId,
      type: "applied_to_invoice",
      amount: applied.negated(),
      currency: "USD",
      description: null,
      invoiceId: "inv_property",
      at: new Date(),
    });
    return applied.times(100).toNumber();
  });
}

let run = 0;

describe("credit balance ledger", () => {
  it("never creates nor loses money, and never goes below zero", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const customer = `ledger-${++run}`;
        await ok("POST", "/v1/customers", { id: customer });
        const url = `/v1/customers/${customer}/credit-balance`;
        // The model, in cents: money in minus money out.
        let expected = 0;
        for (const each of steps) {
          if (each.kind === "credit") {
            await ok("POST", url, { amount: dollars(each.cents) });
            expected += each.cents;
          } else if (each.kind === "debit") {
            const response = await call("POST", url, { amount: dollars(-each.cents) });
            expect(response.status).toBe(each.cents > expected ? 409 : 200);
            if (response.status === 200) expected -= each.cents;
          } else {
            const applied = await applyToInvoice(customer, each.invoiceCents);
            expect(applied).toBe(Math.min(expected, each.invoiceCents));
            expected -= applied;
          }
          const view = await ok("GET", url);
          expect(view.balance).toBe(dollars(expected));
          expect(new Decimal(view.balance).isNegative()).toBe(false);
        }
        const { balance, transactions } = await ok("GET", url);
        const sum = transactions.reduce(
          (total: Decimal, entry: { amount: string }) => total.plus(entry.amount),
          new Decimal(0),
        );
        expect(sum.toFixed(2)).toBe(balance);
      }),
      { numRuns: 30 },
    );
  });
});
