import {
  type CatalogDefinition,
  type CustomerDefinition,
  customerKey,
  encodeMessage,
  type LumenEnv,
  type PipelineNames,
} from "@lumen/core";
import type { NatsConnection } from "nats";

/** Where published definitions go: NATS KV in production, a map in tests. */
export interface DefinitionStore {
  putCustomer(definition: CustomerDefinition): Promise<void>;
  putCatalog(catalog: CatalogDefinition): Promise<void>;
  /** The customer an entity (seat) belongs to; null removes the entity (deleted). */
  putEntity(env: LumenEnv, entity: string, customer: string | null): Promise<void>;
  /** A test clock's frozen time (ms); null removes the clock (deleted). */
  putClock(id: string, frozenTime: number | null): Promise<void>;
}

/**
 * Definitions as msgpack in KV, and an announcement on the customer's definitions subject. Entities go to the
 * entities bucket (key `<env>.<entity token>`, `{customer}`), test clocks to the clocks bucket (key: clock id,
 * `{id, frozenTime}`), where sidecars resolve seats and clock times.
 */
export async function openNatsDefinitionStore(nats: NatsConnection, names: PipelineNames): Promise<DefinitionStore> {
  const js = nats.jetstream();
  // Same options as every reader and writer, so whichever side comes first creates the bucket as the others expect.
  const [definitions, catalog, entities, clocks] = await Promise.all([
    js.views.kv(names.buckets.definitions, { history: 1 }),
    js.views.kv(names.buckets.catalog, { history: 1 }),
    js.views.kv(names.buckets.entities, { history: 1 }),
    js.views.kv(names.buckets.clocks, { history: 1 }),
  ]);
  return {
    async putCustomer(definition) {
      const payload = encodeMessage(definition);
      await definitions.put(customerKey(definition.env, definition.customer), payload);
      nats.publish(names.definitionsSubject(definition.env, definition.customer), payload);
    },
    async putCatalog(value) {
      await catalog.put(value.env, encodeMessage(value));
    },
    async putEntity(env, entity, customer) {
      const key = customerKey(env, entity);
      if (customer === null) await entities.delete(key);
      else await entities.put(key, encodeMessage({ customer }));
    },
    async putClock(id, frozenTime) {
      if (frozenTime === null) await clocks.delete(id);
      else await clocks.put(id, encodeMessage({ id, frozenTime }));
    },
  };
}

export function memoryDefinitionStore() {
  const customers = new Map<string, CustomerDefinition>();
  const catalogs = new Map<string, CatalogDefinition>();
  /** `<env>.<entity>` → customer. */
  const entities = new Map<string, string>();
  /** clock id → frozen time (ms). */
  const clocks = new Map<string, number>();
  const store: DefinitionStore = {
    async putCustomer(definition) {
      customers.set(`${definition.env}.${definition.customer}`, definition);
    },
    async putCatalog(value) {
      catalogs.set(value.env, value);
    },
    async putEntity(env, entity, customer) {
      if (customer === null) entities.delete(`${env}.${entity}`);
      else entities.set(`${env}.${entity}`, customer);
    },
    async putClock(id, frozenTime) {
      if (frozenTime === null) clocks.delete(id);
      else clocks.set(id, frozenTime);
    },
  };
  return { store, customers, catalogs, entities, clocks };
}
