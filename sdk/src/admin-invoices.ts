import type { TaxSettings, TaxSettingsParams } from "./admin-tax";
import { type ListParams, type Page, paginate } from "./pagination";
import { pathId, type RequestOptions, type Transport } from "./transport";
import type { DecimalString, TaxId, Timestamp } from "./types";

export type InvoiceStatus = "draft" | "open" | "paid" | "void" | "uncollectible";
export type InvoiceLineType = "fixed" | "one_time" | "seats" | "usage" | "proration" | "adjustment";
/** `exclusive`: tax is added to the lines; `inclusive`: the lines' amounts include it (`pricesIncludeTax`). */
export type TaxBehavior = "exclusive" | "inclusive";

/** One line of an invoice (PRODUCT §7). Money is a decimal string in the invoice's currency. */
export interface InvoiceLine {
  id: string;
  type: InvoiceLineType;
  description: string;
  feature: string | null;
  entity: string | null;
  plan: string | null;
  quantity: number;
  unitAmount: string | null;
  amount: string;
  discountAmount: string;
  periodStart: string;
  periodEnd: string;
  /** A percentage ("19"; "0" for exempt and reverse charge); null when the environment computes no tax. */
  taxRate: string | null;
  taxAmount: string;
}

/** An invoice (PRODUCT §7): numbered and immutable once final. */
export interface Invoice {
  id: string;
  number: string | null;
  customer: string;
  subscription: string | null;
  billingReason: "subscription_create" | "subscription_cycle" | "subscription_update" | "manual";
  status: InvoiceStatus;
  currency: string;
  periodStart: string;
  periodEnd: string;
  lines: InvoiceLine[];
  subtotal: string;
  discountTotal: string;
  taxTotal: string;
  /** `subtotal − discountTotal + taxTotal` with exclusive tax; with inclusive tax the tax is already in the lines. */
  total: string;
  /** `total − taxTotal`: what the invoice comes to before tax, in either behaviour. */
  totalExcludingTax: string;
  creditApplied: string;
  amountDue: string;
  amountPaid: string;
  /** For the document: `["Reverse charge", "Customer VAT ID: FR…"]` when the customer accounts for the VAT. */
  taxNotes: string[];
  taxBehavior: TaxBehavior;
  discounts: { coupon: string; name: string | null; amount: string }[];
  customerDetails: {
    id: string;
    name: string | null;
    email: string | null;
    address: Record<string, string | null | undefined> | null;
    taxIds: TaxId[];
  };
  createdAt: string;
  finalizesAt: string | null;
  finalizedAt: string | null;
  paidAt: string | null;
  voidedAt: string | null;
}

/** The preview of the next period invoice: an invoice without an id. */
export type UpcomingInvoice = Omit<Invoice, "id"> & { id: null };

export interface ListInvoicesParams extends ListParams {
  customer?: string;
  subscription?: string;
  status?: InvoiceStatus;
}

export interface CreditNote {
  id: string;
  number: string;
  invoice: string;
  customer: string;
  amount: string;
  /** The tax included in `amount`: its share of the invoice's tax. */
  taxAmount: string;
  currency: string;
  reason: string;
  refund: "provider" | "credit_balance" | "none";
  memo: string | null;
  status: string;
  createdAt: string;
}

export interface CreateCreditNoteParams {
  amount: string;
  reason?: "duplicate" | "fraudulent" | "order_change" | "product_unsatisfactory" | "other";
  refund?: "provider" | "credit_balance" | "none";
  memo?: string;
}

export interface InvoiceSettings {
  seller: {
    name: string;
    email: string | null;
    address: Record<string, string | null | undefined> | null;
    taxId: string | null;
  };
  gracePeriodSeconds: number;
}

export interface InvoiceSettingsParams {
  seller?: {
    name: string;
    email?: string | null;
    address?: Record<string, string | null | undefined> | null;
    taxId?: string | null;
  };
  gracePeriodSeconds?: number;
}

/** How the environment collects its invoices (PRODUCT §13): `lumen.admin.settings.getPayments`. */
export interface PaymentSettings {
  /** `manual`: invoices stay open until paid out of band; `stripe`: charged through Stripe. */
  provider: "manual" | "stripe";
  dunning: {
    /** Days after each failed charge until the next attempt (default `[1, 3, 7]`); the last one ends the dunning. */
    retryDays: number[];
    /** What a `past_due` subscription entitles to meanwhile (default `keep`). */
    pastDueEntitlements: "keep" | "revoke";
    /** What the subscription becomes when the last retry fails (default `cancel`). */
    afterLastFailure: "cancel" | "past_due";
  };
  /** Where the hosted checkout sends the customer back, unless an attach gives its own `successUrl`. */
  checkoutSuccessUrl: string | null;
  /** Where a customer who leaves the checkout goes; null: `checkoutSuccessUrl`. */
  checkoutCancelUrl: string | null;
  /** How long a payment or a checkout waits for its webhook before Lumen asks the provider itself (default 600). */
  reconcileAfterSeconds: number;
}

/** The fields to change; the others keep their value (`dunning`'s fields too). */
export interface PaymentSettingsParams {
  /** `stripe` needs a billing process started with `STRIPE_SECRET_KEY` and `STRIPE_WEBHOOK_SECRET`. */
  provider?: "manual" | "stripe";
  dunning?: Partial<PaymentSettings["dunning"]>;
  checkoutSuccessUrl?: string | null;
  checkoutCancelUrl?: string | null;
  reconcileAfterSeconds?: number;
}

/** `pending`: asked (or about to be), no answer yet; `processing`: the provider has not settled it yet. */
export type PaymentStatus = "pending" | "processing" | "succeeded" | "failed";

/** One attempt to collect an invoice through the payment provider (PRODUCT §13). */
export interface Payment {
  id: string;
  invoice: string;
  customer: string;
  /** "stripe" */
  provider: string;
  /** 1 for the first charge, then one more per dunning retry. */
  attempt: number;
  amount: DecimalString;
  currency: string;
  status: PaymentStatus;
  /** The provider's id (Stripe: the PaymentIntent's); null before it answered or when a decline left none. */
  providerPaymentId: string | null;
  /** Why it failed ("card_declined", …); null unless failed. */
  failureCode: string | null;
  failureMessage: string | null;
  createdAt: Timestamp;
  updatedAt: Timestamp;
}

/** `lumen.admin.invoices`: the invoices Lumen makes at each period close and on changes (PRODUCT §7). */
export class InvoicesApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * One page of invoices, newest first; filter by customer, subscription or status.
   * @example const { data } = await lumen.admin.invoices.list({ customer: "acme" });
   */
  list(params: ListInvoicesParams = {}, options?: RequestOptions): Promise<Page<Invoice>> {
    return this.#transport.request({ method: "GET", path: "/v1/invoices", query: { ...params }, options });
  }

  /**
   * Every invoice matching the filters, fetching pages as the loop goes.
   * @example for await (const invoice of lumen.admin.invoices.listAll({ customer: "acme" })) console.log(invoice.number);
   */
  listAll(params: ListInvoicesParams = {}, options?: RequestOptions): AsyncGenerator<Invoice, void, undefined> {
    return paginate((page) => this.list({ ...params, ...page }, options), params);
  }

  /**
   * One invoice; a draft shows the totals it would have if finalized now.
   * @example const invoice = await lumen.admin.invoices.get("inv_8hX2…");
   */
  get(id: string, options?: RequestOptions): Promise<Invoice> {
    return this.#transport.request({ method: "GET", path: `/v1/invoices/${pathId(id)}`, options });
  }

  /**
   * The invoice document as PDF bytes.
   * @example await writeFile("invoice.pdf", await lumen.admin.invoices.pdf("inv_8hX2…"));
   */
  pdf(id: string, options?: RequestOptions): Promise<Uint8Array> {
    return this.#transport.request({
      method: "GET",
      path: `/v1/invoices/${pathId(id)}/pdf`,
      accept: "application/pdf",
      options,
    });
  }

  /**
   * Finalizes a draft now instead of at the end of its grace period: numbered, immutable, collected.
   * @example const invoice = await lumen.admin.invoices.finalize("inv_8hX2…");
   */
  finalize(id: string, options?: RequestOptions): Promise<Invoice> {
    return this.#transport.request({ method: "POST", path: `/v1/invoices/${pathId(id)}/finalize`, options });
  }

  /**
   * Voids an open invoice (or a draft); credit balance it used goes back to the customer.
   * @example await lumen.admin.invoices.void("inv_8hX2…");
   */
  void(id: string, options?: RequestOptions): Promise<Invoice> {
    return this.#transport.request({ method: "POST", path: `/v1/invoices/${pathId(id)}/void`, options });
  }

  /**
   * Marks an open invoice as one nobody expects to be paid.
   * @example await lumen.admin.invoices.markUncollectible("inv_8hX2…");
   */
  markUncollectible(id: string, options?: RequestOptions): Promise<Invoice> {
    return this.#transport.request({
      method: "POST",
      path: `/v1/invoices/${pathId(id)}/mark-uncollectible`,
      options,
    });
  }

  /**
   * Records an invoice as paid outside Lumen (bank transfer, cheque).
   * @example await lumen.admin.invoices.pay("inv_8hX2…", { outOfBand: true });
   */
  pay(id: string, params: { outOfBand: true } = { outOfBand: true }, options?: RequestOptions): Promise<Invoice> {
    return this.#transport.request({ method: "POST", path: `/v1/invoices/${pathId(id)}/pay`, body: params, options });
  }

  /**
   * Every attempt to collect the invoice through the payment provider, first to last (none with `manual`).
   * @example const { data: attempts } = await lumen.admin.invoices.payments("inv_8hX2…");
   */
  payments(invoiceId: string, options?: RequestOptions): Promise<Page<Payment>> {
    return this.#transport.request({ method: "GET", path: `/v1/invoices/${pathId(invoiceId)}/payments`, options });
  }

  /**
   * The invoice the customer's next period close will produce, from what is known now.
   * @example const next = await lumen.admin.invoices.upcoming("acme");
   */
  upcoming(
    customerId: string,
    params: { subscription?: string } = {},
    options?: RequestOptions,
  ): Promise<UpcomingInvoice> {
    return this.#transport.request({
      method: "GET",
      path: `/v1/customers/${pathId(customerId)}/upcoming-invoice`,
      query: { ...params },
      options,
    });
  }
}

/** `lumen.admin.creditNotes`: money given back on a final invoice (PRODUCT §7). */
export class CreditNotesApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Issues a credit note on a final invoice; by default the amount goes to the customer's credit balance.
   * @example await lumen.admin.creditNotes.create("inv_8hX2…", { amount: "10.00", reason: "order_change" });
   */
  create(invoiceId: string, params: CreateCreditNoteParams, options?: RequestOptions): Promise<CreditNote> {
    return this.#transport.request({
      method: "POST",
      path: `/v1/invoices/${pathId(invoiceId)}/credit-notes`,
      body: params,
      options,
    });
  }

  /**
   * The credit notes of an invoice, oldest first.
   * @example const { data } = await lumen.admin.creditNotes.list("inv_8hX2…");
   */
  list(invoiceId: string, options?: RequestOptions): Promise<Page<CreditNote>> {
    return this.#transport.request({ method: "GET", path: `/v1/invoices/${pathId(invoiceId)}/credit-notes`, options });
  }

  /**
   * One credit note.
   * @example const note = await lumen.admin.creditNotes.get("cn_8hX2…");
   */
  get(id: string, options?: RequestOptions): Promise<CreditNote> {
    return this.#transport.request({ method: "GET", path: `/v1/credit-notes/${pathId(id)}`, options });
  }
}

/** `lumen.admin.settings`: settings of the environment. */
export class SettingsApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * The seller printed on invoices and the grace period of period invoices.
   * @example const { gracePeriodSeconds } = await lumen.admin.settings.getInvoices();
   */
  getInvoices(options?: RequestOptions): Promise<InvoiceSettings> {
    return this.#transport.request({ method: "GET", path: "/v1/settings/invoices", options });
  }

  /**
   * Sets the seller and the grace period; fields left out keep their value.
   * @example await lumen.admin.settings.putInvoices({ seller: { name: "Acme AI Ltd" }, gracePeriodSeconds: 3600 });
   */
  putInvoices(params: InvoiceSettingsParams, options?: RequestOptions): Promise<InvoiceSettings> {
    return this.#transport.request({ method: "PUT", path: "/v1/settings/invoices", body: params, options });
  }

  /**
   * How invoices are taxed: the mode, where the seller is, OSS, whether prices include tax (PRODUCT §8).
   * @example const { mode, origin } = await lumen.admin.settings.getTax();
   */
  getTax(options?: RequestOptions): Promise<TaxSettings> {
    return this.#transport.request({ method: "GET", path: "/v1/settings/tax", options });
  }

  /**
   * Sets how invoices are taxed; fields left out keep their value, and `mode: "builtin"` needs `origin.country`.
   * @example await lumen.admin.settings.putTax({ mode: "builtin", origin: { country: "DE" }, euOss: true });
   */
  putTax(params: TaxSettingsParams, options?: RequestOptions): Promise<TaxSettings> {
    return this.#transport.request({ method: "PUT", path: "/v1/settings/tax", body: params, options });
  }

  /**
   * Who collects invoices (manual or Stripe), the dunning schedule and the checkout's return pages (PRODUCT §13).
   * @example const { provider, dunning } = await lumen.admin.settings.getPayments();
   */
  getPayments(options?: RequestOptions): Promise<PaymentSettings> {
    return this.#transport.request({ method: "GET", path: "/v1/settings/payments", options });
  }

  /**
   * Sets how invoices are collected; fields left out keep their value, and `provider: "stripe"` needs the billing
   * process's Stripe keys.
   * @example await lumen.admin.settings.putPayments({ provider: "stripe", checkoutSuccessUrl: "https://app.example/billing" });
   */
  putPayments(params: PaymentSettingsParams, options?: RequestOptions): Promise<PaymentSettings> {
    return this.#transport.request({ method: "PUT", path: "/v1/settings/payments", body: params, options });
  }
}
