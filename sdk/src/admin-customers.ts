import { type ListParams, type Page, paginate } from "./pagination";
import { pathId, type RequestOptions, type Transport } from "./transport";
import type {
  CreateCustomerParams,
  CreateEntityParams,
  Customer,
  CustomerDetails,
  Deleted,
  EntitlementsAt,
  Entity,
  EntityChange,
  HistoryEntry,
  TimestampInput,
  UpdateCustomerParams,
} from "./types";

/** `lumen.admin.customers` (PRODUCT §4, §11). */
export class CustomersApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Creates a customer (your id) and attaches the default plans.
   * @example await lumen.admin.customers.create({ id: "acme", name: "Acme Inc", email: "billing@acme.test" });
   */
  create(params: CreateCustomerParams, options?: RequestOptions): Promise<Customer> {
    return this.#transport.request({ method: "POST", path: "/v1/customers", body: params, options });
  }

  /**
   * One page of customers, ordered by id.
   * @example const { data, hasMore } = await lumen.admin.customers.list({ limit: 100 });
   */
  list(params: ListParams = {}, options?: RequestOptions): Promise<Page<Customer>> {
    return this.#transport.request({ method: "GET", path: "/v1/customers", query: { ...params }, options });
  }

  /**
   * Every customer, fetching pages as the loop goes.
   * @example for await (const customer of lumen.admin.customers.listAll()) console.log(customer.id);
   */
  listAll(params: ListParams = {}, options?: RequestOptions): AsyncGenerator<Customer, void, undefined> {
    return paginate((page) => this.list(page, options), params);
  }

  /**
   * The customer with its live subscriptions and what it is entitled to now.
   * @example const { subscriptions, entitlements } = await lumen.admin.customers.get("acme");
   */
  get(id: string, options?: RequestOptions): Promise<CustomerDetails> {
    return this.#transport.request({ method: "GET", path: `/v1/customers/${pathId(id)}`, options });
  }

  /**
   * Replaces the fields given (PATCH); null clears a nullable one.
   * @example await lumen.admin.customers.update("acme", { email: "finance@acme.test" });
   */
  update(id: string, params: UpdateCustomerParams, options?: RequestOptions): Promise<Customer> {
    return this.#transport.request({ method: "PATCH", path: `/v1/customers/${pathId(id)}`, body: params, options });
  }

  /**
   * Ends the customer's subscriptions now and hides it; its history stays and its id stays taken.
   * @example await lumen.admin.customers.delete("acme");
   */
  delete(id: string, options?: RequestOptions): Promise<Deleted> {
    return this.#transport.request({ method: "DELETE", path: `/v1/customers/${pathId(id)}`, options });
  }

  /**
   * One page of the customer's history (every version of its subscriptions, seats, …), in time order.
   * @example const { data } = await lumen.admin.customers.history("acme");
   */
  history(id: string, params: ListParams<number> = {}, options?: RequestOptions): Promise<Page<HistoryEntry>> {
    return this.#transport.request({
      method: "GET",
      path: `/v1/customers/${pathId(id)}/history`,
      query: { ...params },
      options,
    });
  }

  /**
   * The customer's whole history, fetching pages as the loop goes.
   * @example for await (const entry of lumen.admin.customers.historyAll("acme")) console.log(entry.at, entry.type);
   */
  historyAll(
    id: string,
    params: ListParams<number> = {},
    options?: RequestOptions,
  ): AsyncGenerator<HistoryEntry, void, undefined> {
    return paginate((page) => this.history(id, page, options), { ...params, cursorOf: (entry) => entry.id });
  }

  /**
   * The plans and features the customer had at a moment (default: its now).
   * @example const { features } = await lumen.admin.customers.entitlements("acme", { at: "2026-02-03T00:00:00Z" });
   */
  entitlements(id: string, params: { at?: TimestampInput } = {}, options?: RequestOptions): Promise<EntitlementsAt> {
    return this.#transport.request({
      method: "GET",
      path: `/v1/customers/${pathId(id)}/entitlements`,
      query: { at: params.at },
      options,
    });
  }
}

/** `lumen.admin.entities`: seats and other sub-accounts of a customer (PRODUCT §5). */
export class EntitiesApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Adds an entity of a gauge feature: the customer's level of it (its seat count) rises by one.
   * @example const { level } = await lumen.admin.entities.create("acme", { id: "user_42", feature: "seats", name: "Ada" });
   */
  create(customerId: string, params: CreateEntityParams, options?: RequestOptions): Promise<EntityChange> {
    return this.#transport.request({
      method: "POST",
      path: `/v1/customers/${pathId(customerId)}/entities`,
      body: params,
      options,
    });
  }

  /**
   * One page of the customer's active entities, ordered by id.
   * @example const { data: seats } = await lumen.admin.entities.list("acme");
   */
  list(customerId: string, params: ListParams = {}, options?: RequestOptions): Promise<Page<Entity>> {
    return this.#transport.request({
      method: "GET",
      path: `/v1/customers/${pathId(customerId)}/entities`,
      query: { ...params },
      options,
    });
  }

  /**
   * Every active entity of the customer, fetching pages as the loop goes.
   * @example for await (const seat of lumen.admin.entities.listAll("acme")) console.log(seat.id);
   */
  listAll(
    customerId: string,
    params: ListParams = {},
    options?: RequestOptions,
  ): AsyncGenerator<Entity, void, undefined> {
    return paginate((page) => this.list(customerId, page, options), params);
  }

  /**
   * Removes the entity: the customer's level of its feature drops by one.
   * @example await lumen.admin.entities.delete("acme", "user_42");
   */
  delete(customerId: string, entityId: string, options?: RequestOptions): Promise<EntityChange & { deleted: true }> {
    return this.#transport.request({
      method: "DELETE",
      path: `/v1/customers/${pathId(customerId)}/entities/${pathId(entityId)}`,
      options,
    });
  }
}
