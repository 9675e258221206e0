import { type ListParams, type Page, paginate } from "./pagination";
import { pathId, type RequestOptions, type Transport } from "./transport";
import type {
  CreateFeatureParams,
  CreatePlanParams,
  Feature,
  MigratePlanParams,
  MigratePlanResult,
  Plan,
  PlanDefinitionParams,
  PlanUpdateResult,
  UpdateFeatureParams,
} from "./types";

/** `lumen.admin.features`: the feature catalog (PRODUCT §2). */
export class FeaturesApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Creates a feature; its id is yours.
   * @example await lumen.admin.features.create({ id: "seats", name: "Seats", type: "gauge" });
   */
  create(params: CreateFeatureParams, options?: RequestOptions): Promise<Feature> {
    return this.#transport.request({ method: "POST", path: "/v1/features", body: params, options });
  }

  /**
   * One page of features, ordered by id.
   * @example const { data, hasMore } = await lumen.admin.features.list({ limit: 50 });
   */
  list(params: ListParams = {}, options?: RequestOptions): Promise<Page<Feature>> {
    return this.#transport.request({ method: "GET", path: "/v1/features", query: { ...params }, options });
  }

  /**
   * Every feature, fetching pages as the loop goes.
   * @example for await (const feature of lumen.admin.features.listAll()) console.log(feature.id);
   */
  listAll(params: ListParams = {}, options?: RequestOptions): AsyncGenerator<Feature, void, undefined> {
    return paginate((page) => this.list(page, options), params);
  }

  /**
   * @example const feature = await lumen.admin.features.get("premium-messages");
   */
  get(id: string, options?: RequestOptions): Promise<Feature> {
    return this.#transport.request({ method: "GET", path: `/v1/features/${pathId(id)}`, options });
  }

  /**
   * Changes name, meter, credit costs, unit or metadata (PATCH); the type never changes.
   * @example await lumen.admin.features.update("seats", { name: "Team seats" });
   */
  update(id: string, params: UpdateFeatureParams, options?: RequestOptions): Promise<Feature> {
    return this.#transport.request({ method: "PATCH", path: `/v1/features/${pathId(id)}`, body: params, options });
  }

  /**
   * Hides the feature from new plans; plans that use it keep it.
   * @example await lumen.admin.features.archive("legacy-export");
   */
  archive(id: string, options?: RequestOptions): Promise<Feature> {
    return this.#transport.request({ method: "POST", path: `/v1/features/${pathId(id)}/archive`, options });
  }
}

/** `lumen.admin.plans`: plans and their immutable versions (PRODUCT §3). */
export class PlansApi {
  readonly #transport: Transport;

  constructor(transport: Transport) {
    this.#transport = transport;
  }

  /**
   * Creates a plan and its version 1.
   * @example await lumen.admin.plans.create({ id: "team", name: "Team", currency: "USD", items: [{ type: "fixed", amount: "20.00" }] });
   */
  create(params: CreatePlanParams, options?: RequestOptions): Promise<Plan> {
    return this.#transport.request({ method: "POST", path: "/v1/plans", body: params, options });
  }

  /**
   * One page of plans (each at its latest version), ordered by id.
   * @example const { data } = await lumen.admin.plans.list();
   */
  list(params: ListParams = {}, options?: RequestOptions): Promise<Page<Plan>> {
    return this.#transport.request({ method: "GET", path: "/v1/plans", query: { ...params }, options });
  }

  /**
   * Every plan, fetching pages as the loop goes.
   * @example for await (const plan of lumen.admin.plans.listAll()) console.log(plan.id, plan.version);
   */
  listAll(params: ListParams = {}, options?: RequestOptions): AsyncGenerator<Plan, void, undefined> {
    return paginate((page) => this.list(page, options), params);
  }

  /**
   * The plan at its latest version.
   * @example const plan = await lumen.admin.plans.get("team");
   */
  get(id: string, options?: RequestOptions): Promise<Plan> {
    return this.#transport.request({ method: "GET", path: `/v1/plans/${pathId(id)}`, options });
  }

  /**
   * Replaces the definition (PUT): a different one becomes version n+1, existing subscriptions stay on theirs.
   * @example const { version, created } = await lumen.admin.plans.update("team", { name: "Team", currency: "USD", items });
   */
  update(id: string, definition: PlanDefinitionParams, options?: RequestOptions): Promise<PlanUpdateResult> {
    return this.#transport.request({ method: "PUT", path: `/v1/plans/${pathId(id)}`, body: definition, options });
  }

  /**
   * Every version of the plan, oldest first (one page: `hasMore` is always false).
   * @example const { data: versions } = await lumen.admin.plans.listVersions("team");
   */
  listVersions(id: string, options?: RequestOptions): Promise<Page<Plan>> {
    return this.#transport.request({ method: "GET", path: `/v1/plans/${pathId(id)}/versions`, options });
  }

  /**
   * One version of the plan.
   * @example const v1 = await lumen.admin.plans.getVersion("team", 1);
   */
  getVersion(id: string, version: number, options?: RequestOptions): Promise<Plan> {
    return this.#transport.request({
      method: "GET",
      path: `/v1/plans/${pathId(id)}/versions/${pathId(version)}`,
      options,
    });
  }

  /**
   * Never attached to new customers again; existing subscriptions keep it.
   * @example await lumen.admin.plans.archive("legacy");
   */
  archive(id: string, options?: RequestOptions): Promise<Plan> {
    return this.#transport.request({ method: "POST", path: `/v1/plans/${pathId(id)}/archive`, options });
  }

  /**
   * Moves the subscriptions on one version to another, now or at their next period.
   * @example const { migrated } = await lumen.admin.plans.migrate("team", { fromVersion: 1, toVersion: 2 });
   */
  migrate(id: string, params: MigratePlanParams, options?: RequestOptions): Promise<MigratePlanResult> {
    return this.#transport.request({ method: "POST", path: `/v1/plans/${pathId(id)}/migrate`, body: params, options });
  }
}
