import { type ListParams, type Page, paginate } from "./pagination";
import { pathId, type RequestOptions, type Transport } from "./transport";
import type { DecimalString, Timestamp } from "./types";

// Coupons, discounts and the customer credit balance (PRODUCT §7) ---------------------------------------------------
export type CouponDuration = "once" | "repeating" | "forever";

export interface CreateCouponParams {
  /** The caller's id: "launch20". */
  id: string;
  name?: string | null;
  /** A percentage greater than 0 and at most 100 (20 or "12.5"); exactly one of percentOff and amountOff. */
  percentOff?: number | DecimalString;
  /** Major units of `currency`, at most its minor-unit decimals ("5.00"). */
  amountOff?: DecimalString;
  /** Required with `amountOff`, refused with `percentOff`. */
  currency?: string;
  /** `once`: the next period invoice; `repeating`: `durationInPeriods` of them; `forever`: every one. */
  duration: CouponDuration;
  /** Required with `repeating`, refused otherwise. */
  durationInPeriods?: number;
  /** Only lines of these plans are discounted; omitted or null: every plan. */
  appliesToPlans?: string[] | null;
}

/** A reusable discount, applied to customers (PRODUCT §7). */
export interface Coupon {
  id: string;
  name: string | null;
  /** "20", "12.5"; null for an amount off. */
  percentOff: DecimalString | null;
  /** "5.00"; null for a percentage. */
  amountOff: DecimalString | null;
  currency: string | null;
  duration: CouponDuration;
  durationInPeriods: number | null;
  appliesToPlans: string[] | null;
  createdAt: Timestamp;
  /** Set by `coupons.archive`: it can no longer be applied to customers. */
  archivedAt: Timestamp | null;
}

export interface ApplyDiscountParams {
  /** The coupon's id. */
  coupon: string;
}

/** A coupon applied to one customer: it discounts its period invoices, never proration lines (PRODUCT §7). */
export interface Discount {
  /** `di_…` */
  id: string;
  customer: string;
  coupon: Coupon;
  /** Period invoices it discounted so far. */
  periodsUsed: number;
  /** The customer's time when it was applied (its test clock's, if any). */
  createdAt: Timestamp;
  /** Removed, or used up; null while it runs. */
  endedAt: Timestamp | null;
}

export type CreditBalanceTransactionType =
  | "adjustment"
  | "applied_to_invoice"
  | "credit_note"
  | "proration"
  | "invoice_voided";

/** One entry of the customer's credit-balance ledger; entries are never edited. */
export interface CreditBalanceTransaction {
  /** `cbt_…` */
  id: string;
  type: CreditBalanceTransactionType;
  /** Signed: positive gives the customer credit ("50.00"), negative takes it ("-12.50"). */
  amount: DecimalString;
  description: string | null;
  /** The invoice it was applied to or came from. */
  invoice: string | null;
  creditNote: string | null;
  createdAt: Timestamp;
}

/** Money owed to the customer, applied to its next finalized invoices (PRODUCT §7). */
export interface CreditBalance {
  customer: string;
  /** The sum of every entry, ≥ 0 ("50.00"); "0" for a customer without a currency. */
  balance: DecimalString;
  currency: string | null;
  /** The latest 100 entries, newest first. */
  transactions: CreditBalanceTransaction[];
}

export interface AdjustCreditBalanceParams {
  /** Major units with at most the currency's minor-unit decimals; negative takes credit back, never below zero. */
  amount: DecimalString;
  description?: string | null;
  /** Only needed for a customer without a currency yet, which it then fixes; otherwise the customer's. */
  currency?: string;
}

/** `lumen.admin.coupons`: reusable discounts, a percentage or an amount off (PRODUCT §7). */
export class CouponsApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Creates a coupon with the caller's id; a coupon is never edited, only archived.
   * @example await lumen.admin.coupons.create({ id: "launch20", percentOff: 20, duration: "repeating", durationInPeriods: 3 });
   */
  create(params: CreateCouponParams, options?: RequestOptions): Promise<Coupon> {
    return this.#transport.request({ method: "POST", path: "/v1/coupons", body: params, options });
  }

  /**
   * One coupon, archived ones too.
   * @example const coupon = await lumen.admin.coupons.get("launch20");
   */
  get(id: string, options?: RequestOptions): Promise<Coupon> {
    return this.#transport.request({ method: "GET", path: `/v1/coupons/${pathId(id)}`, options });
  }

  /**
   * One page of the coupons (archived ones too), by id; the cursor is a coupon id.
   * @example const { data: coupons } = await lumen.admin.coupons.list({ limit: 50 });
   */
  list(params: ListParams = {}, options?: RequestOptions): Promise<Page<Coupon>> {
    return this.#transport.request({ method: "GET", path: "/v1/coupons", query: { ...params }, options });
  }

  /**
   * Every coupon, fetching pages as the loop goes.
   * @example for await (const coupon of lumen.admin.coupons.listAll()) console.log(coupon.id, coupon.percentOff);
   */
  listAll(params: ListParams = {}, options?: RequestOptions): AsyncGenerator<Coupon, void, undefined> {
    return paginate((page) => this.list(page, options), params);
  }

  /**
   * Stops the coupon from being applied to customers; discounts already made from it run to their end.
   * @example await lumen.admin.coupons.archive("launch20");
   */
  archive(id: string, options?: RequestOptions): Promise<Coupon> {
    return this.#transport.request({ method: "POST", path: `/v1/coupons/${pathId(id)}/archive`, options });
  }
}

/** `lumen.admin.discounts`: coupons applied to one customer's period invoices (PRODUCT §7). */
export class DiscountsApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Applies a coupon to the customer's next period invoices, from the customer's current time.
   * @example const discount = await lumen.admin.discounts.apply("acme", { coupon: "launch20" });
   */
  apply(customerId: string, params: ApplyDiscountParams, options?: RequestOptions): Promise<Discount> {
    return this.#transport.request({
      method: "POST",
      path: `/v1/customers/${pathId(customerId)}/discounts`,
      body: params,
      options,
    });
  }

  /**
   * One page of the customer's discounts, running and ended, oldest first.
   * @example const { data: discounts } = await lumen.admin.discounts.list("acme");
   */
  list(customerId: string, params: ListParams = {}, options?: RequestOptions): Promise<Page<Discount>> {
    return this.#transport.request({
      method: "GET",
      path: `/v1/customers/${pathId(customerId)}/discounts`,
      query: { ...params },
      options,
    });
  }

  /**
   * Ends a discount now (the customer's time); invoices already finalized keep what it took off.
   * @example await lumen.admin.discounts.remove("acme", "di_8hX2…");
   */
  remove(customerId: string, discountId: string, options?: RequestOptions): Promise<Discount> {
    return this.#transport.request({
      method: "DELETE",
      path: `/v1/customers/${pathId(customerId)}/discounts/${pathId(discountId)}`,
      options,
    });
  }
}

/** `lumen.admin.creditBalance`: money owed to a customer, applied to its next invoices (PRODUCT §7). */
export class CreditBalanceApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * The customer's balance and its latest 100 ledger entries, newest first.
   * @example const { balance, currency } = await lumen.admin.creditBalance.get("acme");
   */
  get(customerId: string, options?: RequestOptions): Promise<CreditBalance> {
    return this.#transport.request({
      method: "GET",
      path: `/v1/customers/${pathId(customerId)}/credit-balance`,
      options,
    });
  }

  /**
   * Gives the customer credit, or takes it back with a negative amount (never below a zero balance).
   * @example await lumen.admin.creditBalance.adjust("acme", { amount: "50.00", description: "Goodwill for the outage" });
   */
  adjust(
    customerId: string,
    params: AdjustCreditBalanceParams,
    options?: RequestOptions,
  ): Promise<CreditBalanceTransaction> {
    return this.#transport.request({
      method: "POST",
      path: `/v1/customers/${pathId(customerId)}/credit-balance`,
      body: params,
      options,
    });
  }
}
