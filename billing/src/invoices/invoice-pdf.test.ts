import { describe, expect, it } from "vitest";
import { renderInvoicePdf } from "./invoice-pdf";
import type { InvoiceLineView, InvoiceView, SellerDetails } from "./invoice-view";
import { extractPdfText } from "./pdf-text.test-support";

const seller: SellerDetails = {
  name: "Lumen Labs Inc.",
  email: "billing@lumen.example",
  address: { line1: "548 Market St", postalCode: "94104", city: "San Francisco", state: "CA", country: "US" },
  taxId: "US12-3456789",
};

function aLine(overrides: Partial<InvoiceLineView> = {}): InvoiceLineView {
  return {
    id: "li_1",
    type: "fixed",
    description: "Pro plan",
    feature: null,
    entity: null,
    plan: "pro",
    quantity: 1,
    unitAmount: "49.00",
    amount: "49.00",
    discountAmount: "0.00",
    periodStart: "2026-03-01T00:00:00.000Z",
    periodEnd: "2026-04-01T00:00:00.000Z",
    taxRate: null,
    taxAmount: "0.00",
    ...overrides,
  };
}

function anInvoice(overrides: Partial<InvoiceView> = {}): InvoiceView {
  return {
    id: "in_1",
    number: "INV-000042",
    customer: "cus_globex",
    subscription: "sub_1",
    billingReason: "subscription_cycle",
    status: "open",
    currency: "USD",
    periodStart: "2026-03-01T00:00:00.000Z",
    periodEnd: "2026-04-01T00:00:00.000Z",
    lines: [aLine()],
    subtotal: "49.00",
    discountTotal: "0.00",
    taxTotal: "0.00",
    total: "49.00",
    totalExcludingTax: "49.00",
    creditApplied: "0.00",
    amountDue: "49.00",
    amountPaid: "0.00",
    taxNotes: [],
    taxBehavior: "exclusive",
    discounts: [],
    customerDetails: {
      id: "cus_globex",
      name: "Globex GmbH",
      email: "billing@globex.example",
      address: { line1: "Unter den Linden 1", postalCode: "10117", city: "Berlin", country: "DE" },
      taxIds: [{ type: "eu_vat", value: "DE123456789" }],
    },
    createdAt: "2026-04-01T00:00:00.000Z",
    finalizesAt: null,
    finalizedAt: "2026-04-01T01:00:00.000Z",
    paidAt: null,
    voidedAt: null,
    ...overrides,
  };
}

/** A paid USD invoice with every kind of line, a 10% coupon, 19% tax on each line and customer credit. */
const paidInvoice = anInvoice({
  status: "paid",
  lines: [
    aLine({ id: "li_fixed", discountAmount: "4.90", taxRate: "19", taxAmount: "8.38" }),
    aLine({
      id: "li_seats",
      type: "seats",
      description: "Seats",
      entity: "team-berlin",
      quantity: 5,
      unitAmount: "10.00",
      amount: "50.00",
      discountAmount: "5.00",
      taxRate: "19",
      taxAmount: "8.55",
    }),
    aLine({
      id: "li_usage",
      type: "usage",
      description: "API calls",
      feature: "api_calls",
      quantity: 150000,
      unitAmount: "0.00025",
      amount: "37.50",
      discountAmount: "3.75",
      taxRate: "19",
      taxAmount: "6.41",
    }),
    aLine({
      id: "li_proration",
      type: "proration",
      description: "Unused time on Starter plan",
      plan: "starter",
      unitAmount: "-12.00",
      amount: "-12.00",
      periodStart: "2026-03-16T00:00:00.000Z",
      taxRate: "19",
      taxAmount: "-2.28",
    }),
  ],
  subtotal: "124.50",
  discountTotal: "13.65",
  taxTotal: "21.06",
  total: "131.91",
  creditApplied: "20.00",
  amountDue: "111.91",
  amountPaid: "111.91",
  taxNotes: ["Reverse charge"],
  discounts: [{ coupon: "launch10", name: "Launch 10% off", amount: "13.65" }],
  paidAt: "2026-04-02T00:00:00.000Z",
});

const draftInvoice = anInvoice({
  number: null,
  status: "draft",
  createdAt: "2026-03-31T00:00:00.000Z",
  finalizesAt: "2026-04-01T01:00:00.000Z",
  finalizedAt: null,
});

async function textOf(invoice: InvoiceView): Promise<string[]> {
  return extractPdfText(await renderInvoicePdf({ invoice, seller })).split("\n");
}

function pageCount(pdf: Buffer): number {
  return pdf.toString("latin1").match(/\/Type \/Page\b(?!s)/g)?.length ?? 0;
}

describe("renderInvoicePdf", () => {
  it("renders a PDF document", async () => {
    const pdf = await renderInvoicePdf({ invoice: paidInvoice, seller });
    expect(pdf.subarray(0, 5).toString("latin1")).toBe("%PDF-");
    expect(pageCount(pdf)).toBe(1);
  });

  it("heads a finalized invoice with its number, status and dates", async () => {
    const text = await textOf(paidInvoice);
    expect(text).toContain("Invoice");
    expect(text).toContain("Invoice number INV-000042");
    expect(text).toContain("Status Paid");
    expect(text).toContain("Date issued 2026-04-01");
    expect(text).toContain("Billing period 2026-03-01 – 2026-04-01");
  });

  it("prints the seller and the customer with address, email and tax ids", async () => {
    const text = (await textOf(paidInvoice)).join("\n");
    for (const expected of [
      "From Bill to",
      "Lumen Labs Inc. Globex GmbH",
      "548 Market St",
      "94104 San Francisco",
      "CA, US",
      "billing@lumen.example",
      "Tax ID US12-3456789",
      "cus_globex",
      "billing@globex.example",
      "Unter den Linden 1",
      "10117 Berlin",
      "EU VAT DE123456789",
    ]) {
      expect(text).toContain(expected);
    }
  });

  it("prints each line on one row: description, quantity, unit price, tax rate and amount", async () => {
    const text = await textOf(paidInvoice);
    expect(text).toContain("Description Qty Unit price Tax Amount");
    expect(text).toContain("Pro plan 1 USD 49.00 19% USD 49.00");
    expect(text).toContain("Seats 5 USD 10.00 19% USD 50.00");
    expect(text).toContain("API calls 150000 USD 0.00025 19% USD 37.50");
    expect(text).toContain("Unused time on Starter plan 1 USD -12.00 19% USD -12.00");
  });

  it("prints each line's period and entity under its description", async () => {
    const text = await textOf(paidInvoice);
    const seats = text.indexOf("Seats 5 USD 10.00 19% USD 50.00");
    expect(text.slice(seats + 1, seats + 3)).toEqual(["2026-03-01 – 2026-04-01", "Entity team-berlin"]);
    const proration = text.findIndex((line) => line.startsWith("Unused time on Starter plan"));
    expect(text[proration + 1]).toBe("2026-03-16 – 2026-04-01");
  });

  it("prints the totals in order, with the discount, the tax by rate, the credit and the payment", async () => {
    const text = await textOf(paidInvoice);
    const totals = text.slice(text.indexOf("Subtotal USD 124.50"));
    expect(totals).toEqual([
      "Subtotal USD 124.50",
      "Discount (Launch 10% off) USD -13.65",
      "Tax USD 21.06",
      "19% on USD 110.85 USD 21.06",
      "Total USD 131.91",
      "Credit applied USD -20.00",
      "Amount due USD 111.91",
      "Amount paid USD 111.91",
      "Reverse charge",
      "INV-000042 · Page 1 of 1",
    ]);
  });

  it("names a discount by its coupon id when the coupon has no name", async () => {
    const invoice = anInvoice({ discounts: [{ coupon: "launch10", name: null, amount: "4.90" }] });
    expect(await textOf(invoice)).toContain("Discount (launch10) USD -4.90");
  });

  it("sums the tax summary per rate in the currency's minor unit (JPY has none)", async () => {
    const invoice = anInvoice({
      currency: "JPY",
      lines: [
        aLine({
          id: "li_a",
          description: "Pro plan",
          unitAmount: "1000",
          amount: "1000",
          taxRate: "10",
          taxAmount: "100",
        }),
        aLine({
          id: "li_b",
          description: "Extra seats",
          quantity: 2,
          unitAmount: "100",
          amount: "200",
          taxRate: "10",
          taxAmount: "20",
        }),
        aLine({ id: "li_c", description: "Support", unitAmount: "500", amount: "500", taxRate: "8", taxAmount: "40" }),
      ],
      subtotal: "1700",
      taxTotal: "160",
      total: "1860",
      amountDue: "1860",
    });
    const text = await textOf(invoice);
    expect(text).toContain("Extra seats 2 JPY 100 10% JPY 200");
    expect(text).toContain("10% on JPY 1200 JPY 120");
    expect(text).toContain("8% on JPY 500 JPY 40");
    expect(text).toContain("Total JPY 1860");
    expect(text).toContain("Amount due JPY 1860");
  });

  it("titles a draft as such, without number, status, tax column nor zero amounts", async () => {
    const text = await textOf(draftInvoice);
    expect(text).toContain("Draft invoice");
    expect(text).toContain("Date issued 2026-03-31");
    expect(text).not.toContain("Invoice");
    expect(text).toContain("Description Qty Unit price Amount");
    expect(text).toContain("Pro plan 1 USD 49.00 USD 49.00");
    expect(text).toContain("Tax USD 0.00");
    expect(text.join("\n")).not.toMatch(/INV-|Status|Credit applied|Amount paid| on USD/);
    expect(text.at(-1)).toBe("Draft invoice · Page 1 of 1");
  });

  it("prints the status of void and uncollectible invoices", async () => {
    expect(await textOf(anInvoice({ status: "void" }))).toContain("Status Void");
    expect(await textOf(anInvoice({ status: "uncollectible" }))).toContain("Status Uncollectible");
    expect((await textOf(anInvoice({ status: "open" }))).join("\n")).not.toContain("Status");
  });

  it("wraps a long description within its column and keeps the amount on its first row", async () => {
    const description =
      "Enterprise support retainer covering onboarding workshops, a named technical account manager, quarterly " +
      "architecture reviews and a guaranteed one hour response time for severity one incidents";
    const text = await textOf(anInvoice({ lines: [aLine({ description, amount: "980.00", unitAmount: "980.00" })] }));
    const first = text.findIndex((line) => line.startsWith("Enterprise support retainer"));
    expect(text[first]).toMatch(/ 1 USD 980\.00 USD 980\.00$/);
    expect(text.some((line) => line.includes(description))).toBe(false);
    const wrapped = text
      .slice(first, first + 4)
      .join(" ")
      .replace(" 1 USD 980.00 USD 980.00", "");
    expect(wrapped).toContain(description);
  });

  it("says so beside a VAT id the registry found unregistered", async () => {
    const customerDetails = {
      ...anInvoice().customerDetails,
      taxIds: [
        { type: "eu_vat", value: "FR12345678901", verification: { status: "unverified" as const, checkedAt: "x" } },
        { type: "eu_vat", value: "DE123456789", verification: { status: "verified" as const, checkedAt: "x" } },
      ],
    };
    const text = (await textOf(anInvoice({ customerDetails }))).join("\n");
    expect(text).toContain("EU VAT FR12345678901 (not registered in VIES)");
    expect(text).toContain("EU VAT DE123456789");
    expect(text).not.toContain("DE123456789 (not registered");
  });

  it("prints unit prices exactly, with at least the currency's minor digits", async () => {
    const lines = [
      aLine({ id: "li_whole", description: "Whole", unitAmount: "100", amount: "100.00" }),
      aLine({ id: "li_tiny", description: "Tiny", quantity: 4000, unitAmount: "0.00025", amount: "1.00" }),
    ];
    const text = await textOf(anInvoice({ lines }));
    expect(text).toContain("Whole 1 USD 100.00 USD 100.00");
    expect(text).toContain("Tiny 4000 USD 0.00025 USD 1.00");
  });

  it("continues a long invoice on new pages, down to its last line", async () => {
    const lines = Array.from({ length: 120 }, (_, index) =>
      aLine({ id: `li_${index + 1}`, description: `Usage line ${index + 1}`, amount: "1.00", unitAmount: "1.00" }),
    );
    const pdf = await renderInvoicePdf({ invoice: anInvoice({ lines, subtotal: "120.00", total: "120.00" }), seller });
    const pages = pageCount(pdf);
    expect(pages).toBeGreaterThan(1);
    const text = extractPdfText(pdf).split("\n");
    expect(text).toContain("Usage line 1 1 USD 1.00 USD 1.00");
    expect(text).toContain("Usage line 120 1 USD 1.00 USD 1.00");
    expect(text).toContain("Total USD 120.00");
    expect(text.at(-1)).toBe(`INV-000042 · Page ${pages} of ${pages}`);
    expect(text.filter((line) => line === "Description Qty Unit price Amount")).toHaveLength(pages);
  });

  it("prints accented names and replaces characters Helvetica cannot show", async () => {
    const customerDetails = { ...anInvoice().customerDetails, name: "Zoë Café – Straße GmbH" };
    const text = (await textOf(anInvoice({ customerDetails }))).join("\n");
    expect(text).toContain("Zoë Café – Straße GmbH");
    const foreign = { ...customerDetails, name: "株式会社 Lumen" };
    expect((await textOf(anInvoice({ customerDetails: foreign }))).join("\n")).toContain("???? Lumen");
  });

  it("renders the same bytes for the same invoice", async () => {
    const first = await renderInvoicePdf({ invoice: paidInvoice, seller });
    const second = await renderInvoicePdf({ invoice: paidInvoice, seller });
    expect(first.equals(second)).toBe(true);
  });
});
