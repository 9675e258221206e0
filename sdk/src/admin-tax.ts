import { type ListParams, type Page, paginate } from "./pagination";
import { pathId, type RequestOptions, type Transport } from "./transport";
import type { DecimalString, Timestamp } from "./types";

// Tax settings and custom tax rates (PRODUCT §8) ---------------------------------------------------------------------
/** `builtin`: Lumen's rules (or the tax provider the billing process was given); `none`: no tax on invoices. */
export type TaxMode = "builtin" | "none";

/** How the environment taxes its invoices (`lumen.admin.settings.getTax`). */
export interface TaxSettings {
  mode: TaxMode;
  /** Where the seller is established: the S of PRODUCT §8's rules; required with `mode: "builtin"`. */
  origin: { country: string } | null;
  /** Registered for the EU's One-Stop Shop: EU consumers pay their own country's rate. */
  euOss: boolean;
  /** Prices (and so invoice lines) include their tax; otherwise tax is added on top. */
  pricesIncludeTax: boolean;
  /** Ask the EU's registry (VIES) about `eu_vat` ids as customers are saved; otherwise a well-formed id is trusted. */
  verifyTaxIds: boolean;
}

/** The fields to change; the others keep their value. */
export interface TaxSettingsParams {
  mode?: TaxMode;
  /** An ISO 3166-1 alpha-2 country ("DE"); null clears it (refused with `mode: "builtin"`). */
  origin?: { country: string } | null;
  euOss?: boolean;
  pricesIncludeTax?: boolean;
  verifyTaxIds?: boolean;
}

export interface CreateTaxRateParams {
  /** The caller's id: "us-ca". */
  id: string;
  name: string;
  /** ISO 3166-1 alpha-2, outside the EU (EU member states are taxed by the built-in VAT rates). */
  country: string;
  /** The subdivision's code without the country ("CA" of US-CA); omitted or null: the whole country. */
  state?: string | null;
  /** From 0 to 100, at most 4 decimals: 7.25 or "7.25". */
  percentage: number | DecimalString;
}

/** The place of a rate never changes: archive it and create another. */
export interface UpdateTaxRateParams {
  name?: string;
  /** Applies to invoices finalized from now on; final invoices keep the rate written on their lines. */
  percentage?: number | DecimalString;
}

/** A custom tax rate: a percentage for a country outside the EU, or for one state of it (PRODUCT §8). */
export interface TaxRate {
  id: string;
  name: string;
  country: string;
  /** "CA"; null: the whole country. */
  state: string | null;
  /** "7.25" */
  percentage: DecimalString;
  createdAt: Timestamp;
  updatedAt: Timestamp;
  /** Set by `taxRates.archive`: it no longer applies to invoices finalized after. */
  archivedAt: Timestamp | null;
}

/** `lumen.admin.taxRates`: the environment's custom rates, one live rate per country or state (PRODUCT §8). */
export class TaxRatesApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Creates a rate with the caller's id for a place outside the EU; a second live rate for one place is a conflict.
   * @example await lumen.admin.taxRates.create({ id: "us-ca", name: "CA tax", country: "US", state: "CA", percentage: 7.25 });
   */
  create(params: CreateTaxRateParams, options?: RequestOptions): Promise<TaxRate> {
    return this.#transport.request({ method: "POST", path: "/v1/tax-rates", body: params, options });
  }

  /**
   * One tax rate, archived ones too.
   * @example const rate = await lumen.admin.taxRates.get("us-ca");
   */
  get(id: string, options?: RequestOptions): Promise<TaxRate> {
    return this.#transport.request({ method: "GET", path: `/v1/tax-rates/${pathId(id)}`, options });
  }

  /**
   * One page of the tax rates (archived ones too), by id; the cursor is a rate id.
   * @example const { data: rates } = await lumen.admin.taxRates.list({ limit: 50 });
   */
  list(params: ListParams = {}, options?: RequestOptions): Promise<Page<TaxRate>> {
    return this.#transport.request({ method: "GET", path: "/v1/tax-rates", query: { ...params }, options });
  }

  /**
   * Every tax rate, fetching pages as the loop goes.
   * @example for await (const rate of lumen.admin.taxRates.listAll()) console.log(rate.id, rate.percentage);
   */
  listAll(params: ListParams = {}, options?: RequestOptions): AsyncGenerator<TaxRate, void, undefined> {
    return paginate((page) => this.list(page, options), params);
  }

  /**
   * Renames a rate or changes its percentage, for invoices finalized from now on.
   * @example await lumen.admin.taxRates.update("us-ca", { percentage: "7.5" });
   */
  update(id: string, params: UpdateTaxRateParams, options?: RequestOptions): Promise<TaxRate> {
    return this.#transport.request({ method: "PATCH", path: `/v1/tax-rates/${pathId(id)}`, body: params, options });
  }

  /**
   * Stops the rate from applying to invoices finalized after; its place is then free for a new rate.
   * @example await lumen.admin.taxRates.archive("us-ca");
   */
  archive(id: string, options?: RequestOptions): Promise<TaxRate> {
    return this.#transport.request({ method: "POST", path: `/v1/tax-rates/${pathId(id)}/archive`, options });
  }
}
