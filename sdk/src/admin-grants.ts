import { type ListParams, type Page, paginate } from "./pagination";
import { pathId, type RequestOptions, type Transport } from "./transport";
import type { CreateGrantParams, DeletedOverride, Grant, Override, SetOverrideParams, TimestampInput } from "./types";

const iso = (value: TimestampInput | null | undefined) => (value instanceof Date ? value.toISOString() : value);

/** `lumen.admin.grants`: units of a feature given to one customer on top of its plans (PRODUCT §10). */
export class GrantsApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Gives the customer units of a feature, burned after the period allowance by priority, then earliest expiry.
   * @example await lumen.admin.grants.create("acme", { feature: "ai-credits", amount: 500, expiresAt: "2026-12-31T00:00:00Z", reason: "promo" });
   */
  create(customerId: string, params: CreateGrantParams, options?: RequestOptions): Promise<Grant> {
    const body = params.expiresAt === undefined ? params : { ...params, expiresAt: iso(params.expiresAt) };
    return this.#transport.request({
      method: "POST",
      path: `/v1/customers/${pathId(customerId)}/grants`,
      body,
      options,
    });
  }

  /**
   * One page of the customer's grants (voided and expired ones too), oldest first.
   * @example const { data: grants } = await lumen.admin.grants.list("acme");
   */
  list(customerId: string, params: ListParams = {}, options?: RequestOptions): Promise<Page<Grant>> {
    return this.#transport.request({
      method: "GET",
      path: `/v1/customers/${pathId(customerId)}/grants`,
      query: { ...params },
      options,
    });
  }

  /**
   * Every grant of the customer, fetching pages as the loop goes.
   * @example for await (const grant of lumen.admin.grants.listAll("acme")) console.log(grant.id, grant.amount);
   */
  listAll(
    customerId: string,
    params: ListParams = {},
    options?: RequestOptions,
  ): AsyncGenerator<Grant, void, undefined> {
    return paginate((page) => this.list(customerId, page, options), params);
  }

  /**
   * Stops a grant now (the customer's time), like an expiry: what it already absorbed stays absorbed.
   * @example await lumen.admin.grants.void("acme", "grt_8hX2…");
   */
  void(customerId: string, grantId: string, options?: RequestOptions): Promise<Grant> {
    return this.#transport.request({
      method: "POST",
      path: `/v1/customers/${pathId(customerId)}/grants/${pathId(grantId)}/void`,
      options,
    });
  }
}

/** `lumen.admin.overrides`: per-customer exceptions to the plans in force, without a new plan (PRODUCT §10). */
export class OverridesApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Sets (or replaces) the customer's override of a feature; with `expiresAt`, a feature trial for one customer.
   * @example await lumen.admin.overrides.set("acme", "api-calls", { enabled: true, included: "unlimited", expiresAt: "2026-02-01T00:00:00Z" });
   */
  set(customerId: string, feature: string, params: SetOverrideParams, options?: RequestOptions): Promise<Override> {
    const body = params.expiresAt === undefined ? params : { ...params, expiresAt: iso(params.expiresAt) };
    return this.#transport.request({
      method: "PUT",
      path: `/v1/customers/${pathId(customerId)}/overrides/${pathId(feature)}`,
      body,
      options,
    });
  }

  /**
   * One page of the customer's overrides (expired ones too), by feature id; the cursor is a feature id.
   * @example const { data: overrides } = await lumen.admin.overrides.list("acme");
   */
  list(customerId: string, params: ListParams = {}, options?: RequestOptions): Promise<Page<Override>> {
    return this.#transport.request({
      method: "GET",
      path: `/v1/customers/${pathId(customerId)}/overrides`,
      query: { ...params },
      options,
    });
  }

  /**
   * Removes the customer's override of a feature: its plans decide the feature again.
   * @example await lumen.admin.overrides.delete("acme", "api-calls");
   */
  delete(customerId: string, feature: string, options?: RequestOptions): Promise<DeletedOverride> {
    return this.#transport.request({
      method: "DELETE",
      path: `/v1/customers/${pathId(customerId)}/overrides/${pathId(feature)}`,
      options,
    });
  }
}
