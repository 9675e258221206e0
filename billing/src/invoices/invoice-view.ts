import type { InvoiceLineType } from "@lumen/core";
import type { TaxId } from "../tax/tax-id";

/** Whether an invoice's amounts exclude their tax (added on top) or include it. */
export type TaxBehavior = "exclusive" | "inclusive";

export type InvoiceStatus = "draft" | "open" | "paid" | "void" | "uncollectible";

/** Why an invoice exists: a subscription's first invoice, a period close, a mid-period change, or a manual one. */
export type BillingReason = "subscription_create" | "subscription_cycle" | "subscription_update" | "manual";

/** One line of an invoice as the API shows it (PRODUCT §7). Money is a decimal string in the invoice's currency. */
export interface InvoiceLineView {
  id: string;
  type: InvoiceLineType;
  description: string;
  feature: string | null;
  entity: string | null;
  plan: string | null;
  quantity: number;
  /** The exact price of one unit (unrounded), null when a line has no unit price (graduated tiers). */
  unitAmount: string | null;
  /** Rounded half-up to the currency's minor unit. */
  amount: string;
  discountAmount: string;
  periodStart: string;
  periodEnd: string;
  /** A percentage ("19", "0" for exempt and reverse charge); null when the environment computes no tax. */
  taxRate: string | null;
  taxAmount: string;
}

/** The buyer as it was when the invoice was finalized (what the document shows). */
export interface CustomerDetails {
  id: string;
  name: string | null;
  email: string | null;
  address: {
    country?: string | null;
    state?: string | null;
    postalCode?: string | null;
    city?: string | null;
    line1?: string | null;
    line2?: string | null;
  } | null;
  /** As stored on the customer, with the registry's answer when one was asked. */
  taxIds: TaxId[];
  /** Absent on invoices made before tax (issue 5): "none". */
  taxExempt?: "none" | "exempt" | "reverse";
}

/** A discount applied to the invoice: the coupon and the amount it took off. */
export interface InvoiceDiscountView {
  coupon: string;
  name: string | null;
  amount: string;
}

/** An invoice as the API shows it (PRODUCT §7). */
export interface InvoiceView {
  id: string;
  /** Gapless per environment, given at finalization ("INV-000001"); null while a draft. */
  number: string | null;
  customer: string;
  subscription: string | null;
  billingReason: BillingReason;
  status: InvoiceStatus;
  currency: string;
  periodStart: string;
  periodEnd: string;
  lines: InvoiceLineView[];
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
  taxNotes: string[];
  /** `exclusive`: tax is added to the lines; `inclusive`: the lines' amounts include it (`pricesIncludeTax`). */
  taxBehavior: TaxBehavior;
  discounts: InvoiceDiscountView[];
  customerDetails: CustomerDetails;
  createdAt: string;
  /** When a draft is finalized by the period close (end of the grace period); null once final. */
  finalizesAt: string | null;
  finalizedAt: string | null;
  paidAt: string | null;
  voidedAt: string | null;
}

/** The seller printed on invoice documents (`PUT /v1/settings/invoices`). */
export interface SellerDetails {
  name: string;
  email: string | null;
  address: CustomerDetails["address"];
  taxId: string | null;
}
