import { AuditLogApi } from "./admin-audit";
import { FeaturesApi, PlansApi } from "./admin-catalog";
import { CustomersApi, EntitiesApi } from "./admin-customers";
import { SubscriptionsApi, TestClocksApi } from "./admin-subscriptions";
import { EventsApi, UsageApi } from "./admin-usage";
import type { RequestOptions, Transport } from "./transport";
import type { AttachParams, AttachResult } from "./types";

/**
 * `lumen.admin`: one typed method for every endpoint of the billing API, grouped by resource. Calls need the
 * secret key; its environment (test or live) decides which data they see.
 */
export class Admin {
  readonly features: FeaturesApi;
  readonly plans: PlansApi;
  readonly customers: CustomersApi;
  readonly entities: EntitiesApi;
  readonly subscriptions: SubscriptionsApi;
  readonly testClocks: TestClocksApi;
  readonly auditLog: AuditLogApi;
  readonly usage: UsageApi;
  readonly events: EventsApi;
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
    this.features = new FeaturesApi(transport);
    this.plans = new PlansApi(transport);
    this.customers = new CustomersApi(transport);
    this.entities = new EntitiesApi(transport);
    this.subscriptions = new SubscriptionsApi(transport);
    this.testClocks = new TestClocksApi(transport);
    this.auditLog = new AuditLogApi(transport);
    this.usage = new UsageApi(transport);
    this.events = new EventsApi(transport);
  }

  /**
   * Subscribes a customer to a plan, or changes its plan within the plan's group (upgrades now, downgrades at
   * the period end) (PRODUCT §6).
   * @example const { subscription } = await lumen.admin.attach({ customer: "acme", plan: "team" });
   */
  attach(params: AttachParams, options?: RequestOptions): Promise<AttachResult> {
    return this.#transport.request({ method: "POST", path: "/v1/attach", body: params, options });
  }
}
