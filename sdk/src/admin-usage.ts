import type { ListParams, Page } from "./pagination";
import type { RequestOptions, Transport } from "./transport";

export type TimestampInput = string | Date;

/** One usage event as `track` takes it (PRODUCT §9). Give `feature` or `event`. */
export interface TrackParams {
  customer: string;
  feature?: string;
  event?: string;
  entity?: string;
  /** Default 1; negative values correct earlier usage. */
  value?: number;
  properties?: Record<string, string | number | boolean | null>;
  /** Event time; leave it out for "now" (the customer's test-clock time when it has one). */
  timestamp?: string;
  /** Within 35 days, a second event with the same key for the same customer is not counted again. */
  idempotencyKey?: string;
}

export interface TrackResult {
  id: string;
  duplicate: boolean;
  /** The owner's view of each feature the event counts toward when the answer leaves (within the pipeline's lag). */
  balances: { feature: string; used: number; balance: number | null }[];
}

export interface BatchResult {
  accepted: number;
  duplicates: number;
  rejected: { index: number; error: { code: string; message: string; details: { path: string; message: string }[] } }[];
}

export interface FeatureUsage {
  feature: string;
  type: "boolean" | "metered" | "gauge" | "credits";
  granted: boolean;
  unlimited: boolean;
  /** The allowance per period; null for boolean and unlimited features. */
  included: number | null;
  used: number;
  balance: number | null;
  overage: number;
  usageLimit: number | null;
  /** null for features without a period (boolean, unlimited). */
  periodStart: string | null;
  periodEnd: string | null;
  resetsAt: string | null;
  entities: { entity: string; included: number; used: number; balance: number }[];
}

export interface CustomerUsage {
  customer: string;
  features: FeatureUsage[];
}

export interface UsageTimeseries {
  customer: string;
  feature: string;
  granularity: "hour" | "day" | "month";
  points: { start: string; value: number }[];
}

export interface StoredEvent {
  id: string;
  customer: string;
  feature: string | null;
  event: string | null;
  entity: string | null;
  value: number;
  properties: Record<string, string | number | boolean | null> | null;
  timestamp: string;
  receivedAt: string;
  idempotencyKey: string | null;
  counted: boolean;
  features: string[];
}

const iso = (value: TimestampInput) => (value instanceof Date ? value.toISOString() : value);

/** `lumen.admin.usage`: what customers used, per period and over time (PRODUCT §9). */
export class UsageApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Each feature's allowance and the usage counted in the current period.
   * @example const { features } = await lumen.admin.usage.get("acme");
   */
  get(customer: string, options?: RequestOptions): Promise<CustomerUsage> {
    return this.#transport.request({
      method: "GET",
      path: `/v1/customers/${encodeURIComponent(customer)}/usage`,
      options,
    });
  }

  /**
   * Usage of one feature per hour, day or month.
   * @example await lumen.admin.usage.timeseries("acme", { feature: "api-calls", from: "2026-01-01T00:00:00Z", to: "2026-02-01T00:00:00Z" });
   */
  timeseries(
    customer: string,
    params: {
      feature: string;
      from: TimestampInput;
      to: TimestampInput;
      granularity?: "hour" | "day" | "month";
      entity?: string;
    },
    options?: RequestOptions,
  ): Promise<UsageTimeseries> {
    return this.#transport.request({
      method: "GET",
      path: `/v1/customers/${encodeURIComponent(customer)}/usage/timeseries`,
      query: { ...params, from: iso(params.from), to: iso(params.to) },
      options,
    });
  }
}

/** `lumen.admin.events`: usage events through the billing API (apps track through the sidecar or ingest). */
export class EventsApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Records one event and answers once it is durable.
   * @example await lumen.admin.events.track({ customer: "acme", feature: "api-calls", idempotencyKey: "req_81" });
   */
  track(params: TrackParams, options?: RequestOptions): Promise<TrackResult> {
    return this.#transport.request({ method: "POST", path: "/v1/track", body: params, options });
  }

  /**
   * Records up to 1000 events; bad ones are reported by index and do not stop the rest.
   * @example const { accepted, rejected } = await lumen.admin.events.batch([{ customer: "acme", feature: "api-calls" }]);
   */
  batch(events: TrackParams[], options?: RequestOptions): Promise<BatchResult> {
    return this.#transport.request({ method: "POST", path: "/v1/events/batch", body: { events }, options });
  }

  /**
   * Raw events as stored, newest first; the cursor is an event id.
   * @example const { data } = await lumen.admin.events.list({ customer: "acme", limit: 50 });
   */
  list(
    params: ListParams & { customer?: string; feature?: string; from?: TimestampInput; to?: TimestampInput } = {},
    options?: RequestOptions,
  ): Promise<Page<StoredEvent>> {
    const query = {
      ...params,
      ...(params.from ? { from: iso(params.from) } : {}),
      ...(params.to ? { to: iso(params.to) } : {}),
    };
    return this.#transport.request({ method: "GET", path: "/v1/events", query, options });
  }
}
