import { AuditLogApi } from "./admin-audit";
import { FeaturesApi, PlansApi } from "./admin-catalog";
import { CouponsApi, CreditBalanceApi, DiscountsApi } from "./admin-coupons";
import { CustomersApi, EntitiesApi } from "./admin-customers";
import { GrantsApi, OverridesApi } from "./admin-grants";
import { CreditNotesApi, InvoicesApi, SettingsApi } from "./admin-invoices";
import { SubscriptionsApi, TestClocksApi } from "./admin-subscriptions";
import { TaxRatesApi } from "./admin-tax";
import { EventsApi, UsageApi } from "./admin-usage";
import type { CheckResponse } from "./sidecar-types";
import type { RequestOptions, Transport } from "./transport";
import type { AdminCheckParams, AttachParams, AttachResult } from "./types";

/**
 * `lumen.admin`: one typed method for every endpoint of the billing API, grouped by resource. Calls need the
 * secret key; its environment (test or live) decides which data they see.
 */
export class Admin {
  readonly features: FeaturesApi;
  readonly plans: PlansApi;
  readonly customers: CustomersApi;
  readonly entities: EntitiesApi;
  readonly grants: GrantsApi;
  readonly overrides: OverridesApi;
  readonly subscriptions: SubscriptionsApi;
  readonly testClocks: TestClocksApi;
  readonly auditLog: AuditLogApi;
  readonly usage: UsageApi;
  readonly events: EventsApi;
  readonly coupons: CouponsApi;
  readonly discounts: DiscountsApi;
  readonly creditBalance: CreditBalanceApi;
  readonly invoices: InvoicesApi;
  readonly creditNotes: CreditNotesApi;
  readonly settings: SettingsApi;
  readonly taxRates: TaxRatesApi;
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
    this.features = new FeaturesApi(transport);
    this.plans = new PlansApi(transport);
    this.customers = new CustomersApi(transport);
    this.entities = new EntitiesApi(transport);
    this.grants = new GrantsApi(transport);
    this.overrides = new OverridesApi(transport);
    this.subscriptions = new SubscriptionsApi(transport);
    this.testClocks = new TestClocksApi(transport);
    this.auditLog = new AuditLogApi(transport);
    this.usage = new UsageApi(transport);
    this.events = new EventsApi(transport);
    this.coupons = new CouponsApi(transport);
    this.discounts = new DiscountsApi(transport);
    this.creditBalance = new CreditBalanceApi(transport);
    this.invoices = new InvoicesApi(transport);
    this.creditNotes = new CreditNotesApi(transport);
    this.settings = new SettingsApi(transport);
    this.taxRates = new TaxRatesApi(transport);
  }

  /**
   * Subscribes a customer to a plan, or changes its plan within the plan's group (upgrades now, downgrades at
   * the period end) (PRODUCT §6).
   * @example const { subscription } = await lumen.admin.attach({ customer: "acme", plan: "team" });
   */
  attach(params: AttachParams, options?: RequestOptions): Promise<AttachResult> {
    return this.#transport.request({ method: "POST", path: "/v1/attach", body: params, options });
  }

  /**
   * The authoritative check of the billing API, decided by the aggregator that owns the customer from its live
   * balance (PRODUCT §9); with `consume: true` it also records `quantity` when allowed, atomically. Applications
   * check through the sidecar (`lumen.check`), which answers from its cache; this one is for back offices and jobs.
   * A denial is an answer (`allowed: false` with a `reason`), never an error.
   * @example const { allowed, balance } = await lumen.admin.check({ customer: "acme", feature: "exports", consume: true });
   */
  check(params: AdminCheckParams, options?: RequestOptions): Promise<CheckResponse> {
    return this.#transport.request({ method: "POST", path: "/v1/check", body: params, options });
  }
}
