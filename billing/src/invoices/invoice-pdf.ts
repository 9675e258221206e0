import { Decimal, minorUnits } from "@lumen/core";
import PDFDocument from "pdfkit";
import type { CustomerDetails, InvoiceLineView, InvoiceStatus, InvoiceView, SellerDetails } from "./invoice-view";

type Document = PDFKit.PDFDocument;

const MARGIN = 50;
const REGULAR = "Helvetica";
const BOLD = "Helvetica-Bold";
const INK = "#111827";
const MUTED = "#6b7280";
const RULE = "#d1d5db";
const BODY_SIZE = 9;
const SMALL_SIZE = 7.5;
const CELL_PADDING = 5;
const COLUMN_GAP = 10;

/** Statuses worth printing next to the number: a draft says so in its title, an open invoice is the default. */
const SHOWN_STATUSES: Partial<Record<InvoiceStatus, string>> = {
  paid: "Paid",
  void: "Void",
  uncollectible: "Uncollectible",
};

/** The characters Helvetica can show beyond Latin-1: pdfkit's standard fonts are WinAnsi-encoded. */
const WIN_ANSI_EXTRAS = new Set("€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ");

interface Column {
  title: string;
  width: number;
  align: "left" | "right";
  cell: (line: InvoiceLineView) => string;
}

interface TotalRow {
  label: string;
  value: string;
  style: "normal" | "strong" | "detail";
}

/**
 * The invoice document (A4 PDF) as the customer receives it: seller and buyer, one row per line, the totals and
 * the tax notes. Amounts are the view's decimal strings, printed as they are. The same invoice always renders to
 * the same bytes (the document's dates come from the invoice, not the clock).
 */
export async function renderInvoicePdf({
  invoice,
  seller,
}: {
  invoice: InvoiceView;
  seller: SellerDetails;
}): Promise<Buffer> {
  const issuedAt = new Date(invoice.finalizedAt ?? invoice.createdAt);
  const doc = new PDFDocument({
    size: "A4",
    margin: MARGIN,
    bufferPages: true,
    info: {
      Title: invoice.number ? `Invoice ${invoice.number}` : "Draft invoice",
      Author: printable(seller.name),
      CreationDate: issuedAt,
    },
  });
  const chunks: Buffer[] = [];
  const finished = new Promise<Buffer>((resolve, reject) => {
    doc.on("data", (chunk: Buffer) => chunks.push(chunk));
    doc.on("end", () => resolve(Buffer.concat(chunks)));
    doc.on("error", reject);
  });

  let y = drawHeading(doc, invoice);
  y = drawParties(doc, { invoice, seller, y: y + 24 });
  y = drawLines(doc, { invoice, y: y + 24 });
  y = drawTotals(doc, { invoice, y: y + 12 });
  drawNotes(doc, { notes: invoice.taxNotes, y: y + 16 });
  drawFooters(doc, invoice);
  doc.end();
  return finished;
}

function drawHeading(doc: Document, invoice: InvoiceView): number {
  const top = doc.page.margins.top;
  const title = invoice.status === "draft" ? "Draft invoice" : "Invoice";
  doc.font(BOLD).fontSize(22).fillColor(INK).text(title, MARGIN, top, { lineBreak: false });

  const facts: [string, string][] = [];
  if (invoice.number) facts.push(["Invoice number", invoice.number]);
  const status = SHOWN_STATUSES[invoice.status];
  if (status) facts.push(["Status", status]);
  facts.push(["Date issued", isoDate(invoice.finalizedAt ?? invoice.createdAt)]);
  facts.push(["Billing period", `${isoDate(invoice.periodStart)} – ${isoDate(invoice.periodEnd)}`]);

  const valueWidth = 120;
  const labelX = rightEdge(doc) - valueWidth - 90;
  let y = top + 2;
  for (const [label, value] of facts) {
    doc.font(REGULAR).fontSize(BODY_SIZE).fillColor(MUTED).text(label, labelX, y, { width: 85, lineBreak: false });
    doc
      .font(BOLD)
      .fillColor(INK)
      .text(printable(value), rightEdge(doc) - valueWidth, y, {
        width: valueWidth,
        align: "right",
        lineBreak: false,
      });
    y += 14;
  }
  return Math.max(y, top + 30);
}

function drawParties(
  doc: Document,
  { invoice, seller, y }: { invoice: InvoiceView; seller: SellerDetails; y: number },
) {
  const width = (contentWidth(doc) - 2 * COLUMN_GAP) / 2;
  const sellerLines = [...addressLines(seller.address), seller.email, seller.taxId ? `Tax ID ${seller.taxId}` : null];
  const customer = invoice.customerDetails;
  const customerLines = [
    customer.name ? customer.id : null,
    customer.email,
    ...addressLines(customer.address),
    // An id the registry found unregistered is printed as such: the invoice charged VAT as to a consumer.
    ...customer.taxIds.map(
      (taxId) =>
        `${taxIdLabel(taxId.type)} ${taxId.value}${taxId.verification?.status === "unverified" ? " (not registered in VIES)" : ""}`,
    ),
  ];
  const sellerBottom = drawParty(doc, { x: MARGIN, y, width, heading: "From", name: seller.name, lines: sellerLines });
  const customerBottom = drawParty(doc, {
    x: MARGIN + width + 2 * COLUMN_GAP,
    y,
    width,
    heading: "Bill to",
    name: customer.name ?? customer.id,
    lines: customerLines,
  });
  return Math.max(sellerBottom, customerBottom);
}

function drawParty(
  doc: Document,
  {
    x,
    y,
    width,
    heading,
    name,
    lines,
  }: { x: number; y: number; width: number; heading: string; name: string; lines: (string | null | undefined)[] },
): number {
  doc.font(BOLD).fontSize(8).fillColor(MUTED).text(heading, x, y, { width });
  doc
    .font(BOLD)
    .fontSize(10)
    .fillColor(INK)
    .text(printable(name), x, doc.y + 3, { width });
  doc.font(REGULAR).fontSize(BODY_SIZE);
  for (const line of lines) {
    if (line) doc.text(printable(line), x, doc.y + 1, { width });
  }
  return doc.y;
}

/** The lines table; a row that does not fit on the page starts a new one, under the column titles again. */
function drawLines(doc: Document, { invoice, y }: { invoice: InvoiceView; y: number }): number {
  const columns = lineColumns(invoice);
  const descriptionWidth = contentWidth(doc) - columns.reduce((sum, column) => sum + column.width + COLUMN_GAP, 0);
  let top = drawColumnTitles(doc, { columns, descriptionWidth, y });
  for (const line of invoice.lines) {
    const details = [`${isoDate(line.periodStart)} – ${isoDate(line.periodEnd)}`];
    if (line.entity) details.push(`Entity ${line.entity}`);
    const description = printable(line.description);
    const detail = printable(details.join("\n"));
    doc.font(REGULAR).fontSize(BODY_SIZE);
    const descriptionHeight = doc.heightOfString(description, { width: descriptionWidth });
    doc.fontSize(SMALL_SIZE);
    const height = descriptionHeight + 2 + doc.heightOfString(detail, { width: descriptionWidth }) + 2 * CELL_PADDING;
    if (top + height > doc.page.maxY()) {
      doc.addPage();
      top = drawColumnTitles(doc, { columns, descriptionWidth, y: doc.page.margins.top });
    }

    const y = top + CELL_PADDING;
    doc.font(REGULAR).fontSize(BODY_SIZE).fillColor(INK).text(description, MARGIN, y, { width: descriptionWidth });
    doc
      .fontSize(SMALL_SIZE)
      .fillColor(MUTED)
      .text(detail, MARGIN, y + descriptionHeight + 2, { width: descriptionWidth });
    let x = MARGIN + descriptionWidth;
    doc.fontSize(BODY_SIZE).fillColor(INK);
    for (const column of columns) {
      x += COLUMN_GAP;
      doc.text(printable(column.cell(line)), x, y, { width: column.width, align: column.align, lineBreak: false });
      x += column.width;
    }
    top += height;
    rule(doc, top);
  }
  return top;
}

function lineColumns(invoice: InvoiceView): Column[] {
  const money = (amount: string | null) => (amount === null ? "" : formatMoney(invoice.currency, amount));
  const columns: Column[] = [
    { title: "Qty", width: 40, align: "right", cell: (line) => String(line.quantity) },
    {
      title: "Unit price",
      width: 85,
      align: "right",
      cell: (line) => money(unitPrice(line.unitAmount, invoice.currency)),
    },
  ];
  if (invoice.lines.some((line) => line.taxRate !== null)) {
    columns.push({ title: "Tax", width: 40, align: "right", cell: (line) => (line.taxRate ? `${line.taxRate}%` : "") });
  }
  columns.push({ title: "Amount", width: 85, align: "right", cell: (line) => money(line.amount) });
  return columns;
}

function drawColumnTitles(
  doc: Document,
  { columns, descriptionWidth, y }: { columns: Column[]; descriptionWidth: number; y: number },
): number {
  doc.font(BOLD).fontSize(8).fillColor(MUTED);
  doc.text("Description", MARGIN, y, { width: descriptionWidth, lineBreak: false });
  let x = MARGIN + descriptionWidth;
  for (const column of columns) {
    x += COLUMN_GAP;
    doc.text(column.title, x, y, { width: column.width, align: column.align, lineBreak: false });
    x += column.width;
  }
  const bottom = y + doc.currentLineHeight() + 4;
  rule(doc, bottom);
  return bottom;
}

/** The totals in PRODUCT §7's order, right-aligned under the table; kept together on one page. */
function drawTotals(doc: Document, { invoice, y }: { invoice: InvoiceView; y: number }): number {
  const rows = totalRows(invoice);
  const valueWidth = 110;
  const labelWidth = 170;
  const valueX = rightEdge(doc) - valueWidth;
  const labelX = valueX - COLUMN_GAP - labelWidth;
  const heights = rows.map((row) => {
    setTotalFont(doc, row);
    return doc.heightOfString(row.label, { width: labelWidth }) + 5;
  });
  let top = y;
  if (top + heights.reduce((sum, height) => sum + height + 4, 0) > doc.page.maxY()) {
    doc.addPage();
    top = doc.page.margins.top;
  }
  rows.forEach((row, index) => {
    if (row.style === "strong") {
      rule(doc, top, labelX);
      top += 4;
    }
    setTotalFont(doc, row);
    doc.text(row.label, labelX, top, { width: labelWidth });
    doc.text(row.value, valueX, top, { width: valueWidth, align: "right", lineBreak: false });
    top += heights[index]!;
  });
  return top;
}

function totalRows(invoice: InvoiceView): TotalRow[] {
  const money = (amount: string) => formatMoney(invoice.currency, amount);
  const rows: TotalRow[] = [{ label: "Subtotal", value: money(invoice.subtotal), style: "normal" }];
  for (const discount of invoice.discounts) {
    const label = `Discount (${printable(discount.name ?? discount.coupon)})`;
    rows.push({ label, value: money(negate(discount.amount)), style: "normal" });
  }
  // Inclusive amounts hold their tax: the document shows what they come to without it, then the tax they include.
  const inclusive = invoice.taxBehavior === "inclusive";
  if (inclusive) rows.push({ label: "Total excluding tax", value: money(invoice.totalExcludingTax), style: "normal" });
  rows.push({ label: inclusive ? "Tax included" : "Tax", value: money(invoice.taxTotal), style: "normal" });
  for (const { rate, taxable, tax } of summarizeTax(invoice)) {
    rows.push({ label: `${rate}% on ${money(taxable)}`, value: money(tax), style: "detail" });
  }
  rows.push({ label: "Total", value: money(invoice.total), style: "strong" });
  if (!isZero(invoice.creditApplied)) {
    rows.push({ label: "Credit applied", value: money(negate(invoice.creditApplied)), style: "normal" });
  }
  rows.push({ label: "Amount due", value: money(invoice.amountDue), style: "strong" });
  if (!isZero(invoice.amountPaid)) {
    rows.push({ label: "Amount paid", value: money(invoice.amountPaid), style: "normal" });
  }
  return rows;
}

/**
 * One row per tax rate: what the rate was charged on (each line's amount after discounts, without the tax it includes
 * when prices include tax) and the tax it took.
 */
function summarizeTax(invoice: InvoiceView): { rate: string; taxable: string; tax: string }[] {
  const byRate = new Map<string, { taxable: Decimal; tax: Decimal }>();
  for (const line of invoice.lines) {
    if (line.taxRate === null) continue;
    const sums = byRate.get(line.taxRate) ?? { taxable: new Decimal(0), tax: new Decimal(0) };
    const included = invoice.taxBehavior === "inclusive" ? line.taxAmount : 0;
    byRate.set(line.taxRate, {
      taxable: sums.taxable.plus(line.amount).minus(line.discountAmount).minus(included),
      tax: sums.tax.plus(line.taxAmount),
    });
  }
  const places = minorUnits(invoice.currency);
  return [...byRate].map(([rate, { taxable, tax }]) => ({
    rate,
    taxable: taxable.toFixed(places),
    tax: tax.toFixed(places),
  }));
}

function setTotalFont(doc: Document, row: TotalRow): void {
  if (row.style === "strong") doc.font(BOLD).fontSize(10).fillColor(INK);
  else if (row.style === "detail") doc.font(REGULAR).fontSize(SMALL_SIZE).fillColor(MUTED);
  else doc.font(REGULAR).fontSize(BODY_SIZE).fillColor(INK);
}

function drawNotes(doc: Document, { notes, y }: { notes: string[]; y: number }): void {
  if (notes.length === 0) return;
  doc.font(REGULAR).fontSize(BODY_SIZE).fillColor(INK);
  doc.text(printable(notes[0]!), MARGIN, y, { width: contentWidth(doc) });
  for (const note of notes.slice(1)) {
    doc.text(printable(note), MARGIN, doc.y + 2, { width: contentWidth(doc) });
  }
}

/** "INV-000001 · Page 1 of 3" in the bottom margin of every page (pages are buffered until the end). */
function drawFooters(doc: Document, invoice: InvoiceView): void {
  const { start, count } = doc.bufferedPageRange();
  for (let index = start; index < start + count; index++) {
    doc.switchToPage(index);
    const bottomMargin = doc.page.margins.bottom;
    // Text below maxY() would make pdfkit start a new page; the footer lives in the margin on purpose.
    doc.page.margins.bottom = 0;
    const label = `${invoice.number ?? "Draft invoice"} · Page ${index - start + 1} of ${count}`;
    doc.font(REGULAR).fontSize(SMALL_SIZE).fillColor(MUTED);
    doc.text(label, MARGIN, doc.page.height - bottomMargin + 16, {
      width: contentWidth(doc),
      align: "right",
      lineBreak: false,
    });
    doc.page.margins.bottom = bottomMargin;
  }
}

function rule(doc: Document, y: number, from = MARGIN): void {
  doc.save().moveTo(from, y).lineTo(rightEdge(doc), y).lineWidth(0.5).strokeColor(RULE).stroke().restore();
}

function contentWidth(doc: Document): number {
  return doc.page.width - doc.page.margins.left - doc.page.margins.right;
}

function rightEdge(doc: Document): number {
  return doc.page.width - doc.page.margins.right;
}

/**
 * A unit price as printed: exact (never rounded: "0.00025"), with at least the currency's minor digits ("100" →
 * "100.00" in EUR, "1000" in JPY).
 */
function unitPrice(amount: string | null, currency: string): string | null {
  if (amount === null) return null;
  const exact = new Decimal(amount);
  const digits = minorUnits(currency);
  return exact.decimalPlaces() < digits ? exact.toFixed(digits) : exact.toFixed();
}

function formatMoney(currency: string, amount: string): string {
  return `${currency} ${amount}`;
}

/** A decimal string's opposite, kept as a string so its digits print exactly as the view has them. */
function negate(amount: string): string {
  if (isZero(amount)) return amount;
  return amount.startsWith("-") ? amount.slice(1) : `-${amount}`;
}

function isZero(amount: string): boolean {
  return new Decimal(amount).isZero();
}

/** The date part of an ISO 8601 timestamp, as the API gives it (UTC). */
function isoDate(timestamp: string): string {
  return timestamp.slice(0, 10);
}

function addressLines(address: CustomerDetails["address"]): string[] {
  if (!address) return [];
  const cityLine = [address.postalCode, address.city].filter(Boolean).join(" ");
  const regionLine = [address.state, address.country].filter(Boolean).join(", ");
  return [address.line1, address.line2, cityLine, regionLine].filter((line): line is string => Boolean(line));
}

/** "eu_vat" → "EU VAT", as tax ids are usually named on invoices. */
function taxIdLabel(type: string): string {
  return type.split("_").join(" ").toUpperCase();
}

/**
 * The text with what Helvetica cannot show replaced by "?": the built-in fonts only know WinAnsi, and pdfkit
 * would otherwise write broken bytes for, say, a customer name in another script.
 */
function printable(text: string): string {
  let result = "";
  for (const character of text) {
    const code = character.codePointAt(0)!;
    if (character === "\n" || (code >= 0x20 && code < 0x7f) || (code >= 0xa0 && code <= 0xff)) result += character;
    else if (code < 0x20) result += " ";
    else result += WIN_ANSI_EXTRAS.has(character) ? character : "?";
  }
  return result;
}
