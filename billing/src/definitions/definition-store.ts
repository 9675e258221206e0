import {
  type CatalogDefinition,
  type CustomerDefinition,
  customerKey,
  encodeMessage,
  type PipelineNames,
} from "@lumen/core";
import type { KV, NatsConnection } from "nats";

/** Where published definitions go: NATS KV in production, a map in tests. */
export interface DefinitionStore {
  putCustomer(definition: CustomerDefinition): Promise<void>;
  putCatalog(catalog: CatalogDefinition): Promise<void>;
}

/** Definitions as msgpack in KV, and an announcement on the customer's definitions subject. */
export async function openNatsDefinitionStore(nats: NatsConnection, names: PipelineNames): Promise<DefinitionStore> {
  const js = nats.jetstream();
  const definitions: KV = await js.views.kv(names.buckets.definitions, { history: 1 });
  const catalog: KV = await js.views.kv(names.buckets.catalog, { history: 1 });
  return {
    async putCustomer(definition) {
      const payload = encodeMessage(definition);
      await definitions.put(customerKey(definition.env, definition.customer), payload);
      nats.publish(names.definitionsSubject(definition.env, definition.customer), payload);
    },
    async putCatalog(value) {
      await catalog.put(value.env, encodeMessage(value));
    },
  };
}

export function memoryDefinitionStore() {
  const customers = new Map<string, CustomerDefinition>();
  const catalogs = new Map<string, CatalogDefinition>();
  const store: DefinitionStore = {
    async putCustomer(definition) {
      customers.set(`${definition.env}.${definition.customer}`, definition);
    },
    async putCatalog(value) {
      catalogs.set(value.env, value);
    },
  };
  return { store, customers, catalogs };
}
