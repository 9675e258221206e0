import { type ListParams, type Page, paginate } from "./pagination";
import { pathId, type RequestOptions, type Transport } from "./transport";
import type {
  AdvanceTestClockResult,
  CancelSubscriptionParams,
  CreateTestClockParams,
  Deleted,
  Subscription,
  TestClock,
  TimestampInput,
} from "./types";

/** `lumen.admin.subscriptions` (PRODUCT §6); subscriptions start with `lumen.admin.attach`. */
export class SubscriptionsApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * @example const subscription = await lumen.admin.subscriptions.get("sub_123");
   */
  get(id: string, options?: RequestOptions): Promise<Subscription> {
    return this.#transport.request({ method: "GET", path: `/v1/subscriptions/${pathId(id)}`, options });
  }

  /**
   * Cancels at the end of the current period (default) or now.
   * @example await lumen.admin.subscriptions.cancel("sub_123", { when: "period_end" });
   */
  cancel(id: string, params?: CancelSubscriptionParams, options?: RequestOptions): Promise<Subscription> {
    return this.#transport.request({
      method: "POST",
      path: `/v1/subscriptions/${pathId(id)}/cancel`,
      body: params,
      options,
    });
  }

  /**
   * Undoes a cancel scheduled for the period end.
   * @example await lumen.admin.subscriptions.resume("sub_123");
   */
  resume(id: string, options?: RequestOptions): Promise<Subscription> {
    return this.#transport.request({ method: "POST", path: `/v1/subscriptions/${pathId(id)}/resume`, options });
  }
}

/** `lumen.admin.testClocks`: simulated time for customers created on a clock (PRODUCT §12; test keys only). */
export class TestClocksApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * @example const clock = await lumen.admin.testClocks.create({ frozenTime: "2026-01-01T00:00:00Z" });
   */
  create(params: CreateTestClockParams, options?: RequestOptions): Promise<TestClock> {
    return this.#transport.request({ method: "POST", path: "/v1/test-clocks", body: params, options });
  }

  /**
   * One page of test clocks, ordered by id.
   * @example const { data: clocks } = await lumen.admin.testClocks.list();
   */
  list(params: ListParams = {}, options?: RequestOptions): Promise<Page<TestClock>> {
    return this.#transport.request({ method: "GET", path: "/v1/test-clocks", query: { ...params }, options });
  }

  /**
   * Every test clock, fetching pages as the loop goes.
   * @example for await (const clock of lumen.admin.testClocks.listAll()) console.log(clock.id);
   */
  listAll(params: ListParams = {}, options?: RequestOptions): AsyncGenerator<TestClock, void, undefined> {
    return paginate((page) => this.list(page, options), params);
  }

  /**
   * @example const { frozenTime } = await lumen.admin.testClocks.get("clk_123");
   */
  get(id: string, options?: RequestOptions): Promise<TestClock> {
    return this.#transport.request({ method: "GET", path: `/v1/test-clocks/${pathId(id)}`, options });
  }

  /**
   * Moves the clock forward; answers once every piece of due work of its customers has run, in time order.
   * @example await lumen.admin.testClocks.advance("clk_123", { frozenTime: "2026-02-01T00:00:00Z" });
   */
  advance(
    id: string,
    params: { frozenTime: TimestampInput },
    options?: RequestOptions,
  ): Promise<AdvanceTestClockResult> {
    return this.#transport.request({
      method: "POST",
      path: `/v1/test-clocks/${pathId(id)}/advance`,
      body: params,
      options,
    });
  }

  /**
   * @example await lumen.admin.testClocks.delete("clk_123");
   */
  delete(id: string, options?: RequestOptions): Promise<Deleted> {
    return this.#transport.request({ method: "DELETE", path: `/v1/test-clocks/${pathId(id)}`, options });
  }
}
