import {
  type CatalogDefinition,
  customerKey,
  decodeMessage,
  type LumenEnv,
  type PipelineNames,
  subjectToken,
} from "@lumen/core";
import { type BucketWatch, watchBucket } from "@lumen/core/runtime";
import { LRUCache } from "lru-cache";
import type { JetStreamClient, KV, KvEntry } from "nats";
import type { Logger } from "pino";

/**
 * The small tables every check may need besides the customer: the feature catalogs (meters, to count the events
 * tracked here), the test clocks' times (customers on a clock live in its time), and which customer an entity
 * (seat) belongs to. Catalogs and clocks are few and followed with watches; entities are looked up on demand.
 */
export class SideTables {
  private readonly catalogs = new Map<string, CatalogDefinition>();
  private readonly clocks = new Map<string, number>();
  private readonly owners = new LRUCache<string, { customer: string | null }>({ max: 100_000, ttl: 30_000 });
  private readonly watches: BucketWatch[] = [];

  private constructor(
    private readonly entities: KV,
    private readonly reservations: KV,
  ) {}

  static async open({
    js,
    names,
    logger,
  }: {
    js: JetStreamClient;
    names: PipelineNames;
    logger: Logger;
  }): Promise<SideTables> {
    // Same options as the writers, so whichever side comes first creates the bucket as the other expects.
    const [catalog, clocks, entities, reservations] = await Promise.all([
      js.views.kv(names.buckets.catalog, { history: 1 }),
      js.views.kv(names.buckets.clocks, { history: 1 }),
      js.views.kv(names.buckets.entities, { history: 1 }),
      js.views.kv(names.buckets.reservations, { history: 1 }),
    ]);
    const tables = new SideTables(entities, reservations);
    const onError = (error: unknown) => logger.error({ err: error }, "side table watch failed");
    tables.watches.push(
      await watchBucket({ kv: catalog, onEntry: (entry) => tables.onCatalog(entry, logger), onError }),
      await watchBucket({ kv: clocks, onEntry: (entry) => tables.onClock(entry, logger), onError }),
    );
    await Promise.all(tables.watches.map((watch) => watch.initialized));
    return tables;
  }

  catalogOf(env: LumenEnv): CatalogDefinition | undefined {
    return this.catalogs.get(env);
  }

  /** The frozen time of a test clock (ms), when billing has published it. */
  clockTime(clock: string): number | undefined {
    return this.clocks.get(clock);
  }

  /** The cached owner of an entity, if looked up recently: undefined when unknown here, null when no entity. */
  peekEntityCustomer(env: LumenEnv, entity: string): string | null | undefined {
    return this.owners.get(customerKey(env, entity))?.customer;
  }

  /** The customer an entity belongs to, or null when no entity has that id. */
  async entityCustomer(env: LumenEnv, entity: string): Promise<string | null> {
    const cached = this.peekEntityCustomer(env, entity);
    if (cached !== undefined) return cached;
    const found = await this.entities.get(customerKey(env, entity));
    let customer: string | null = null;
    if (found && found.operation === "PUT" && found.value.length > 0) {
      customer = decodeMessage<{ customer: string }>(found.value).customer ?? null;
    }
    // Unknown ids are remembered briefly: a seat created a moment later is found after a few seconds.
    this.owners.set(customerKey(env, entity), { customer }, { ttl: customer === null ? 5_000 : 30_000 });
    return customer;
  }

  /** The customer of a reservation any component made (the owners keep them in KV), or null when none has the id. */
  async reservationCustomer(env: LumenEnv, id: string): Promise<string | null> {
    const found = await this.reservations.get(`${env}.${subjectToken(id)}`);
    if (found?.operation !== "PUT" || found.value.length === 0) return null;
    return decodeMessage<{ customer: string }>(found.value).customer ?? null;
  }

  stop(): void {
    for (const watch of this.watches) watch.stop();
  }

  private onCatalog(entry: KvEntry, logger: Logger): void {
    if (entry.operation !== "PUT") {
      this.catalogs.delete(entry.key);
      return;
    }
    try {
      const catalog = decodeMessage<CatalogDefinition>(entry.value);
      const held = this.catalogs.get(entry.key);
      if (!held || catalog.version >= held.version) this.catalogs.set(entry.key, catalog);
    } catch (error) {
      logger.warn({ err: error, key: entry.key }, "undecodable catalog ignored");
    }
  }

  private onClock(entry: KvEntry, logger: Logger): void {
    if (entry.operation !== "PUT") {
      this.clocks.delete(entry.key);
      return;
    }
    try {
      this.clocks.set(entry.key, decodeMessage<{ frozenTime: number }>(entry.value).frozenTime);
    } catch (error) {
      logger.warn({ err: error, key: entry.key }, "undecodable clock ignored");
    }
  }
}
