import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { extractPdfText } from "../../billing/src/invoices/pdf-text.test-support";
import { type Address, type Invoice, Lumen, LumenError, type TaxIdParams } from "../../sdk/src";
import { freshLumenEnvironment, type RunningLumen, startLumen } from "../support/lumen-process";

/**
 * Issue 5 end to end: tax on invoices through the SDK against `npm start` (PRODUCT §8). A German seller registered
 * for the EU's One-Stop Shop bills one EUR plan of 100.00 a month to one customer of each kind, each on its own test
 * clock: the invoice of the attach and the invoice of the first period close carry the same tax.
 */

let dataDir: string;
let env: Record<string, string>;
let running: RunningLumen | undefined;
let lumen: Lumen;

const PLAN = "tax-monthly";
const SELLER_VAT_ID = "DE811907980";

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
  // verifyTaxIds off: well-formed ids are trusted, so the test never asks the EU's registry (VIES) over the network.
  await lumen.admin.settings.putTax({
    mode: "builtin",
    origin: { country: "DE" },
    euOss: true,
    pricesIncludeTax: false,
    verifyTaxIds: false,
  });
  await lumen.admin.settings.putInvoices({
    seller: { name: "Muster GmbH", address: { city: "Berlin", country: "DE" }, taxId: SELLER_VAT_ID },
  });
  await lumen.admin.plans.create({
    id: PLAN,
    name: "Monthly",
    currency: "EUR",
    group: PLAN,
    items: [{ type: "fixed", amount: "100.00" }],
  });
  await lumen.admin.taxRates.create({
    id: "us-ca",
    name: "CA sales tax",
    country: "US",
    state: "CA",
    percentage: "7.25",
  });
}, 90_000);

afterAll(async () => {
  await lumen?.close();
  await running?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const SCENARIO_TIMEOUT = 60_000;

const failure = (promise: Promise<unknown>) => promise.catch((error: unknown) => error);

/** The customer's invoices, oldest first (the API lists newest first). */
async function invoicesOf(customer: string): Promise<Invoice[]> {
  const invoices: Invoice[] = [];
  for await (const invoice of lumen.admin.invoices.listAll({ customer })) invoices.push(invoice);
  return invoices.reverse();
}

/** What an invoice of the plan's one line says about tax. */
function taxOf(invoice: Invoice) {
  return {
    lines: invoice.lines.map((line) => [line.type, line.amount, line.taxRate, line.taxAmount]),
    subtotal: invoice.subtotal,
    taxTotal: invoice.taxTotal,
    totalExcludingTax: invoice.totalExcludingTax,
    total: invoice.total,
    amountDue: invoice.amountDue,
    taxBehavior: invoice.taxBehavior,
    taxNotes: invoice.taxNotes,
  };
}

/** The tax of a 100.00 fee at `taxRate` percent, added on top. */
function taxed({ taxRate, taxAmount, total }: { taxRate: string; taxAmount: string; total: string }) {
  return {
    lines: [["fixed", "100.00", taxRate, taxAmount]],
    subtotal: "100.00",
    taxTotal: taxAmount,
    totalExcludingTax: "100.00",
    total,
    amountDue: total,
    taxBehavior: "exclusive",
  };
}

async function documentText(invoiceId: string): Promise<string> {
  return extractPdfText(Buffer.from(await lumen.admin.invoices.pdf(invoiceId)));
}

interface TaxCase {
  name: string;
  customer: { id: string; name: string; address: Address; taxIds?: TaxIdParams[] };
  expected: ReturnType<typeof taxed> & { taxNotes: string[] };
  /** Text the invoice document shows. */
  documentShows: string[];
}

const cases: TaxCase[] = [
  {
    name: "a German consumer pays the German rate, 19 %",
    customer: { id: "tax-de-consumer", name: "Erika Mustermann", address: { city: "Berlin", country: "DE" } },
    expected: { ...taxed({ taxRate: "19", taxAmount: "19.00", total: "119.00" }), taxNotes: [] },
    documentShows: ["19% on EUR 100.00 EUR 19.00", "Total EUR 119.00", `Tax ID ${SELLER_VAT_ID}`],
  },
  {
    name: "a French consumer pays the French rate under OSS, 20 %",
    customer: { id: "tax-fr-consumer", name: "Marie Dupont", address: { city: "Lyon", country: "FR" } },
    expected: { ...taxed({ taxRate: "20", taxAmount: "20.00", total: "120.00" }), taxNotes: [] },
    documentShows: ["20% on EUR 100.00 EUR 20.00", "Total EUR 120.00"],
  },
  {
    name: "a French business with a VAT id is reverse-charged: 0 %, the note and its id on the invoice",
    customer: {
      id: "tax-fr-business",
      name: "Dupont SARL",
      address: { city: "Paris", country: "FR" },
      taxIds: [{ type: "eu_vat", value: "FR40303265045" }],
    },
    expected: {
      ...taxed({ taxRate: "0", taxAmount: "0.00", total: "100.00" }),
      taxNotes: ["Reverse charge", "Customer VAT ID: FR40303265045"],
    },
    documentShows: ["Reverse charge", "Customer VAT ID: FR40303265045", "EU VAT FR40303265045", "0% on EUR 100.00"],
  },
  {
    name: "a customer in California pays the custom rate us-ca, 7.25 %",
    customer: {
      id: "tax-us-ca",
      name: "Golden Gate Inc",
      address: { city: "San Francisco", state: "CA", country: "US" },
    },
    expected: { ...taxed({ taxRate: "7.25", taxAmount: "7.25", total: "107.25" }), taxNotes: [] },
    documentShows: ["7.25% on EUR 100.00 EUR 7.25", "Total EUR 107.25"],
  },
];

describe("tax on invoices through the SDK against npm start: a German seller registered for OSS", () => {
  for (const { name, customer, expected, documentShows } of cases) {
    it(
      `${name}, on the attach's invoice and on the first period close's`,
      async () => {
        const clock = await lumen.admin.testClocks.create({ frozenTime: "2026-03-01T00:00:00Z", name: customer.id });
        await lumen.admin.customers.create({ ...customer, testClock: clock.id });

        const { invoice: first } = await lumen.admin.attach({ customer: customer.id, plan: PLAN });
        expect(first).toMatchObject({ billingReason: "subscription_create", status: "open" });
        expect(taxOf(first!)).toEqual(expected);
        expect(first!.customerDetails.taxIds).toEqual(customer.taxIds ?? []);
        const text = await documentText(first!.id);
        for (const shown of documentShows) expect(text).toContain(shown);

        // Past the period end and the default grace period of an hour: the period invoice is final.
        await lumen.admin.testClocks.advance(clock.id, { frozenTime: "2026-04-01T01:00:01Z" });
        const invoices = await invoicesOf(customer.id);
        expect(invoices).toHaveLength(2);
        const period = invoices[1]!;
        expect(period).toMatchObject({
          billingReason: "subscription_cycle",
          status: "open",
          periodStart: "2026-03-01T00:00:00.000Z",
          periodEnd: "2026-04-01T00:00:00.000Z",
          finalizedAt: "2026-04-01T01:00:00.000Z",
        });
        expect(period.lines.map((line) => [line.periodStart, line.periodEnd])).toEqual([
          ["2026-04-01T00:00:00.000Z", "2026-05-01T00:00:00.000Z"],
        ]);
        expect(taxOf(period)).toEqual(expected);
        expect(period.customerDetails.taxIds).toEqual(customer.taxIds ?? []);
      },
      SCENARIO_TIMEOUT,
    );
  }

  it("refuses a malformed VAT id and a Greek one given with GR, naming the field and the expected format", async () => {
    const malformed = await failure(
      lumen.admin.customers.create({ id: "tax-bad-id", taxIds: [{ type: "eu_vat", value: "DE12345" }] }),
    );
    expect(malformed).toBeInstanceOf(LumenError);
    expect(malformed).toMatchObject({
      code: "validation_error",
      status: 400,
      details: [{ path: "taxIds.0.value", message: expect.stringContaining("DE followed by 9 digits") }],
    });
    await expect(lumen.admin.customers.get("tax-bad-id")).rejects.toMatchObject({ code: "not_found" });

    // Ids are stored normalized; an update is checked as a creation is.
    const spaced = await lumen.admin.customers.create({
      id: "tax-spaced-id",
      taxIds: [{ type: "eu_vat", value: "de 811.907.980" }],
    });
    expect(spaced.taxIds).toEqual([{ type: "eu_vat", value: "DE811907980" }]);
    const greek = await failure(
      lumen.admin.customers.update("tax-spaced-id", { taxIds: [{ type: "eu_vat", value: "GR123456789" }] }),
    );
    expect(greek).toMatchObject({
      code: "validation_error",
      status: 400,
      details: [{ path: "taxIds.0.value", message: expect.stringContaining("EL followed by 9 digits") }],
    });
    expect((await lumen.admin.customers.get("tax-spaced-id")).taxIds).toEqual(spaced.taxIds);
  });
});
