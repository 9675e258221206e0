// Tax on invoices through the billing API (PRODUCT §8): one test per row of the rules table, the arithmetic, the
// rates by date, custom rates, tax ids and the PDF.
import { describe, expect, it } from "vitest";
import { TEST_KEY } from "../../../test/support/billing";
import { useSeededBilling } from "../../../test/support/seeded-billing";
import { extractPdfText } from "../invoices/pdf-text.test-support";

const session = useSeededBilling();
const { call, ok } = session;

interface TaxedLine {
  amount: string;
  taxRate: string | null;
  taxAmount: string;
}

const GERMAN_SELLER = { mode: "builtin", origin: { country: "DE" }, euOss: false, pricesIncludeTax: false };
let planCount = 0;

/** A monthly EUR (or other) plan with one fixed fee. */
async function feePlan(amount: string, currency = "EUR") {
  planCount += 1;
  const id = `tax-fee-${planCount}`;
  await ok("POST", "/v1/plans", { id, name: `Fee ${amount}`, currency, group: id, items: [{ type: "fixed", amount }] });
  return id;
}

/** A customer on its own test clock at `at`, attached to `plan`: the attach invoice is finalized at `at`. */
async function invoiceFor(
  id: string,
  customer: Record<string, unknown>,
  { plan, at = "2026-11-01T00:00:00Z" }: { plan: string; at?: string },
) {
  const clock = await ok("POST", "/v1/test-clocks", { frozenTime: at });
  await ok("POST", "/v1/customers", { id, name: `${id} Ltd`, testClock: clock.id, currency: "EUR", ...customer });
  const { invoice } = await ok("POST", "/v1/attach", { customer: id, plan, trial: false });
  return { invoice, clock: clock.id as string };
}

const taxOf = (invoice: { lines: TaxedLine[]; taxTotal: string; total: string; taxNotes: string[] }) => ({
  taxRate: invoice.lines[0]?.taxRate,
  taxAmount: invoice.lines[0]?.taxAmount,
  taxTotal: invoice.taxTotal,
  total: invoice.total,
  taxNotes: invoice.taxNotes,
});

async function pdfText(invoiceId: string) {
  const response = await session.billing.app.inject({
    method: "GET",
    url: `/v1/invoices/${invoiceId}/pdf`,
    headers: { authorization: `Bearer ${TEST_KEY}` },
  });
  expect(response.statusCode).toBe(200);
  return extractPdfText(response.rawPayload);
}

describe("the built-in rules, one row of PRODUCT §8 each (a German seller, 100.00 EUR)", () => {
  const rows: {
    row: string;
    euOss: boolean;
    customer: Record<string, unknown>;
    expected: { taxRate: string; taxAmount: string; total: string; taxNotes: string[] };
  }[] = [
    {
      row: "taxExempt: exempt → 0 %",
      euOss: false,
      customer: { address: { country: "DE" }, taxExempt: "exempt" },
      expected: { taxRate: "0", taxAmount: "0.00", total: "100.00", taxNotes: ["Tax exempt"] },
    },
    {
      row: "taxExempt: reverse → 0 %, reverse charge",
      euOss: false,
      customer: { address: { country: "DE" }, taxExempt: "reverse" },
      expected: { taxRate: "0", taxAmount: "0.00", total: "100.00", taxNotes: ["Reverse charge"] },
    },
    {
      row: "EU business in another member state → 0 %, reverse charge, its VAT id",
      euOss: false,
      customer: { address: { country: "FR" }, taxIds: [{ type: "eu_vat", value: "FR40303265045" }] },
      expected: {
        taxRate: "0",
        taxAmount: "0.00",
        total: "100.00",
        taxNotes: ["Reverse charge", "Customer VAT ID: FR40303265045"],
      },
    },
    {
      row: "EU business in the seller's state → the seller's standard rate",
      euOss: false,
      customer: { address: { country: "DE" }, taxIds: [{ type: "eu_vat", value: "DE123456789" }] },
      expected: { taxRate: "19", taxAmount: "19.00", total: "119.00", taxNotes: [] },
    },
    {
      row: "EU consumer with euOss → the customer's country's rate",
      euOss: true,
      customer: { address: { country: "FR" } },
      expected: { taxRate: "20", taxAmount: "20.00", total: "120.00", taxNotes: [] },
    },
    {
      row: "EU consumer without euOss → the seller's rate",
      euOss: false,
      customer: { address: { country: "FR" } },
      expected: { taxRate: "19", taxAmount: "19.00", total: "119.00", taxNotes: [] },
    },
    {
      row: "outside the EU, no custom rate for the place → 0 %",
      euOss: true,
      customer: { address: { country: "US", state: "NY" } },
      expected: { taxRate: "0", taxAmount: "0.00", total: "100.00", taxNotes: [] },
    },
  ];
  rows.forEach(({ row, euOss, customer, expected }, index) => {
    it(row, async () => {
      await ok("PUT", "/v1/settings/tax", { ...GERMAN_SELLER, euOss });
      const plan = await feePlan("100.00");
      const { invoice } = await invoiceFor(`tax-row-${index}`, customer, { plan });
      expect(taxOf(invoice)).toEqual({ ...expected, taxTotal: expected.taxAmount });
    });
  });

  it("outside the EU with a custom rate for the state → that rate", async () => {
    await ok("PUT", "/v1/settings/tax", GERMAN_SELLER);
    await ok("POST", "/v1/tax-rates", {
      id: "us-ca",
      name: "CA sales tax",
      country: "US",
      state: "ca",
      percentage: 7.25,
    });
    const plan = await feePlan("100.00");
    const { invoice } = await invoiceFor("tax-ca", { address: { country: "US", state: "CA" } }, { plan });
    expect(taxOf(invoice)).toEqual({
      taxRate: "7.25",
      taxAmount: "7.25",
      taxTotal: "7.25",
      total: "107.25",
      taxNotes: [],
    });
  });

  it("a reverse-charge invoice and its PDF show the note and the customer's VAT id", async () => {
    await ok("PUT", "/v1/settings/tax", GERMAN_SELLER);
    await ok("PUT", "/v1/settings/invoices", { seller: { name: "Muster GmbH", taxId: "DE811907980" } });
    const plan = await feePlan("100.00");
    const { invoice } = await invoiceFor(
      "tax-rc-pdf",
      { address: { country: "FR", city: "Paris" }, taxIds: [{ type: "eu_vat", value: "FR 40 303 265 045" }] },
      { plan },
    );
    expect(invoice.customerDetails.taxIds).toEqual([{ type: "eu_vat", value: "FR40303265045" }]);
    const text = await pdfText(invoice.id);
    for (const expected of ["Reverse charge", "FR40303265045", "DE811907980", "0% on EUR 100.00"]) {
      expect(text).toContain(expected);
    }
  });

  it("the PDF sums tax by rate", async () => {
    await ok("PUT", "/v1/settings/tax", GERMAN_SELLER);
    const plan = await feePlan("100.00");
    const { invoice } = await invoiceFor("tax-pdf-de", { address: { country: "DE" } }, { plan });
    const text = await pdfText(invoice.id);
    expect(text).toContain("19% on EUR 100.00");
    expect(text).toContain("EUR 119.00");
  });

  it('computes no tax with mode "none": taxRate null', async () => {
    await ok("PUT", "/v1/settings/tax", { mode: "none" });
    const plan = await feePlan("100.00");
    const { invoice } = await invoiceFor("tax-none", { address: { country: "DE" } }, { plan });
    expect(taxOf(invoice)).toEqual({
      taxRate: null,
      taxAmount: "0.00",
      taxTotal: "0.00",
      total: "100.00",
      taxNotes: [],
    });
  });
});

describe("arithmetic", () => {
  it("inclusive prices: 119.00 including 19 % is 100.00 + 19.00", async () => {
    await ok("PUT", "/v1/settings/tax", { ...GERMAN_SELLER, pricesIncludeTax: true });
    const plan = await feePlan("119.00");
    const { invoice } = await invoiceFor("tax-incl", { address: { country: "DE" } }, { plan });
    expect(invoice).toMatchObject({
      taxBehavior: "inclusive",
      subtotal: "119.00",
      taxTotal: "19.00",
      total: "119.00",
      totalExcludingTax: "100.00",
      amountDue: "119.00",
    });
    expect(invoice.lines[0]).toMatchObject({ amount: "119.00", taxRate: "19", taxAmount: "19.00" });
    const text = await pdfText(invoice.id);
    expect(text).toContain("Tax included");
    expect(text).toContain("19% on EUR 100.00");
    // A credit note gives back its share of the tax: 11.90 of 119.00 holds 1.90.
    const note = await ok("POST", `/v1/invoices/${invoice.id}/credit-notes`, { amount: "11.90", refund: "none" });
    expect(note).toMatchObject({ amount: "11.90", taxAmount: "1.90" });
  });

  it("rounds each line's tax half-up at half a cent: 1.50 × 19 % = 0.285 → 0.29", async () => {
    await ok("PUT", "/v1/settings/tax", GERMAN_SELLER);
    const plan = await feePlan("1.50");
    const { invoice } = await invoiceFor("tax-half", { address: { country: "DE" } }, { plan });
    expect(taxOf(invoice)).toMatchObject({ taxAmount: "0.29", taxTotal: "0.29", total: "1.79" });
  });

  it("bills tax on a JPY invoice in whole yen: 150 × 19 % = 28.5 → 29", async () => {
    await ok("PUT", "/v1/settings/tax", GERMAN_SELLER);
    const plan = await feePlan("150", "JPY");
    const { invoice } = await invoiceFor("tax-jpy", { address: { country: "DE" }, currency: "JPY" }, { plan });
    expect(taxOf(invoice)).toEqual({ taxRate: "19", taxAmount: "29", taxTotal: "29", total: "179", taxNotes: [] });
  });

  it("taxes what discounts leave of a line: 20 % off 100.00, then 19 % of 80.00", async () => {
    await ok("PUT", "/v1/settings/tax", GERMAN_SELLER);
    const plan = await feePlan("100.00");
    await ok("POST", "/v1/coupons", { id: "tax-twenty", percentOff: 20, duration: "forever" });
    const clock = await ok("POST", "/v1/test-clocks", { frozenTime: "2026-11-01T00:00:00Z" });
    await ok("POST", "/v1/customers", {
      id: "tax-disc",
      testClock: clock.id,
      currency: "EUR",
      address: { country: "DE" },
    });
    await ok("POST", "/v1/customers/tax-disc/discounts", { coupon: "tax-twenty" });
    const { invoice } = await ok("POST", "/v1/attach", { customer: "tax-disc", plan, trial: false });
    expect(invoice).toMatchObject({ subtotal: "100.00", discountTotal: "20.00", taxTotal: "15.20", total: "95.20" });
  });

  it("taxes a proration credit negatively and an upgrade's charge positively", async () => {
    await ok("PUT", "/v1/settings/tax", GERMAN_SELLER);
    await ok("POST", "/v1/plans", {
      id: "tax-small",
      name: "Small",
      currency: "EUR",
      group: "tax-sizes",
      items: [{ type: "fixed", amount: "10.00" }],
    });
    await ok("POST", "/v1/plans", {
      id: "tax-large",
      name: "Large",
      currency: "EUR",
      group: "tax-sizes",
      items: [{ type: "fixed", amount: "20.00" }],
    });
    const { clock } = await invoiceFor(
      "tax-upgrade",
      { address: { country: "DE" } },
      { plan: "tax-small", at: "2026-04-01T00:00:00Z" },
    );
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2026-04-16T00:00:00Z" });
    const { invoice } = await ok("POST", "/v1/attach", { customer: "tax-upgrade", plan: "tax-large" });
    expect(invoice.lines.map((line: TaxedLine) => [line.amount, line.taxAmount])).toEqual([
      ["-5.00", "-0.95"],
      ["10.00", "1.90"],
    ]);
    expect(invoice).toMatchObject({ taxTotal: "0.95", total: "5.95" });
  });
});

describe("rates by date", () => {
  it("applies the rate in force when the invoice is finalized: Estonia 22 % in June 2025, 24 % from July", async () => {
    await ok("PUT", "/v1/settings/tax", { ...GERMAN_SELLER, euOss: true });
    const plan = await feePlan("100.00");
    const { invoice, clock } = await invoiceFor(
      "tax-ee",
      { address: { country: "EE" } },
      { plan, at: "2025-06-15T00:00:00Z" },
    );
    expect(taxOf(invoice)).toMatchObject({ taxRate: "22", taxAmount: "22.00" });
    await ok("POST", `/v1/test-clocks/${clock}/advance`, { frozenTime: "2025-07-15T02:00:00Z" });
    const { data } = await ok("GET", "/v1/invoices?customer=tax-ee");
    const cycle = data.find((entry: { billingReason: string }) => entry.billingReason === "subscription_cycle");
    expect(cycle).toMatchObject({ status: "open", taxTotal: "24.00", total: "124.00" });
    expect(cycle.lines[0].taxRate).toBe("24");
  });

  it("a draft previews the tax it will have when finalized; the final invoice keeps it after the rate changes", async () => {
    await ok("PUT", "/v1/settings/tax", GERMAN_SELLER);
    await ok("POST", "/v1/tax-rates", {
      id: "ca-on",
      name: "Ontario HST",
      country: "CA",
      state: "ON",
      percentage: "13",
    });
    const plan = await feePlan("100.00");
    const { invoice } = await invoiceFor("tax-frozen", { address: { country: "CA", state: "ON" } }, { plan });
    expect(invoice.taxTotal).toBe("13.00");
    await ok("PATCH", "/v1/tax-rates/ca-on", { percentage: "15" });
    expect((await ok("GET", `/v1/invoices/${invoice.id}`)).taxTotal).toBe("13.00");
    const upcoming = await ok("GET", "/v1/customers/tax-frozen/upcoming-invoice");
    expect(upcoming).toMatchObject({ taxTotal: "15.00", total: "115.00" });
    await ok("POST", "/v1/tax-rates/ca-on/archive");
    expect((await ok("GET", "/v1/customers/tax-frozen/upcoming-invoice")).taxTotal).toBe("0.00");
  });
});

describe("settings and custom rates", () => {
  it("stores the tax settings and refuses builtin rules without an origin", async () => {
    await ok("PUT", "/v1/settings/tax", { mode: "none", origin: null });
    const refused = await call("PUT", "/v1/settings/tax", { mode: "builtin" });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].path).toBe("origin.country");
    const bad = await call("PUT", "/v1/settings/tax", { origin: { country: "Germany" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe("origin.country");
    expect(await ok("GET", "/v1/settings/tax")).toEqual({
      mode: "none",
      origin: null,
      euOss: false,
      pricesIncludeTax: false,
      verifyTaxIds: false,
    });
    await ok("PUT", "/v1/settings/tax", { mode: "builtin", origin: { country: "AT" }, euOss: true });
    expect(await ok("GET", "/v1/settings/tax")).toMatchObject({
      mode: "builtin",
      origin: { country: "AT" },
      euOss: true,
    });
  });

  it("creates, lists, updates and archives custom rates; one live rate per place", async () => {
    const created = await ok("POST", "/v1/tax-rates", {
      id: "ch-vat",
      name: "Swiss VAT",
      country: "CH",
      percentage: "8.1",
    });
    expect(created).toMatchObject({ id: "ch-vat", country: "CH", state: null, percentage: "8.1", archivedAt: null });
    const again = await call("POST", "/v1/tax-rates", { id: "ch-vat-2", name: "Dup", country: "CH", percentage: 8 });
    expect(again.status).toBe(409);
    const eu = await call("POST", "/v1/tax-rates", { id: "de-x", name: "DE", country: "DE", percentage: 19 });
    expect(eu.status).toBe(400);
    expect(eu.body.error.details[0].path).toBe("country");
    const tooHigh = await call("POST", "/v1/tax-rates", { id: "x", name: "X", country: "NO", percentage: "100.5" });
    expect(tooHigh.body.error.details[0].path).toBe("percentage");
    expect(await ok("PATCH", "/v1/tax-rates/ch-vat", { name: "MWST" })).toMatchObject({
      name: "MWST",
      percentage: "8.1",
    });
    expect((await ok("GET", "/v1/tax-rates/ch-vat")).name).toBe("MWST");
    const archived = await ok("POST", "/v1/tax-rates/ch-vat/archive");
    expect(archived.archivedAt).not.toBeNull();
    await ok("POST", "/v1/tax-rates", { id: "ch-vat-2", name: "Swiss VAT", country: "CH", percentage: 8.1 });
    const { data } = await ok("GET", "/v1/tax-rates?limit=100");
    expect(data.map((rate: { id: string }) => rate.id)).toEqual(expect.arrayContaining(["ch-vat", "ch-vat-2"]));
    expect((await call("GET", "/v1/tax-rates/nope")).status).toBe(404);
  });
});

describe("tax ids", () => {
  it("refuses a malformed EU VAT id with the expected format, and changes nothing stored", async () => {
    const created = await call("POST", "/v1/customers", {
      id: "tax-bad-id",
      taxIds: [{ type: "eu_vat", value: "DE12345" }],
    });
    expect(created.status).toBe(400);
    expect(created.body.error.code).toBe("validation_error");
    expect(created.body.error.details[0]).toMatchObject({ path: "taxIds.0.value" });
    expect(created.body.error.details[0].message).toContain("DE followed by 9 digits");
    expect((await call("GET", "/v1/customers/tax-bad-id")).status).toBe(404);

    await ok("POST", "/v1/customers", { id: "tax-good-id", taxIds: [{ type: "eu_vat", value: "EL123456789" }] });
    const greek = await call("PATCH", "/v1/customers/tax-good-id", {
      taxIds: [{ type: "eu_vat", value: "GR123456789" }],
    });
    expect(greek.status).toBe(400);
    expect(greek.body.error.details[0].message).toContain("EL");
    expect((await ok("GET", "/v1/customers/tax-good-id")).taxIds).toEqual([{ type: "eu_vat", value: "EL123456789" }]);
  });

  it("keeps other types of tax ids as given", async () => {
    const customer = await ok("POST", "/v1/customers", {
      id: "tax-other-id",
      taxIds: [{ type: "us_ein", value: "12-3456789" }],
    });
    expect(customer.taxIds).toEqual([{ type: "us_ein", value: "12-3456789" }]);
  });
});
