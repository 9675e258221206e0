import {
  type CatalogDefinition,
  type CustomerDefinition,
  customerKey,
  decodeMessage,
  type LumenEnv,
  type PipelineNames,
  type UsageSources,
} from "@lumen/core";
import { type BucketWatch, watchBucket } from "@lumen/core/runtime";
import type { JetStreamClient, KvEntry } from "nats";
import type { Logger } from "pino";

/**
 * The feature catalogs and customer definitions billing writes to KV, followed with watches and kept in memory.
 * A change applies to the events processed after it arrives; older versions than the one held are ignored.
 */
export class DefinitionsCache implements UsageSources {
  private readonly catalogs = new Map<string, CatalogDefinition>();
  private readonly customers = new Map<string, CustomerDefinition>();
  private readonly watches: BucketWatch[] = [];

  static async open({
    js,
    names,
    logger,
  }: {
    js: JetStreamClient;
    names: PipelineNames;
    logger: Logger;
  }): Promise<DefinitionsCache> {
    const cache = new DefinitionsCache();
    // Same options as billing's writer, so whichever side comes first creates the bucket as the other expects.
    const catalog = await js.views.kv(names.buckets.catalog, { history: 1 });
    const definitions = await js.views.kv(names.buckets.definitions, { history: 1 });
    const onError = (error: unknown) => logger.error({ err: error }, "definitions watch failed");
    cache.watches.push(
      await watchBucket({ kv: catalog, onEntry: (entry) => cache.onCatalog(entry, logger), onError }),
      await watchBucket({ kv: definitions, onEntry: (entry) => cache.onCustomer(entry, logger), onError }),
    );
    await Promise.all(cache.watches.map((watch) => watch.initialized));
    return cache;
  }

  catalogOf(env: LumenEnv): CatalogDefinition | undefined {
    return this.catalogs.get(env);
  }

  definitionOf(env: LumenEnv, customer: string): CustomerDefinition | undefined {
    return this.customers.get(customerKey(env, customer));
  }

  stop(): void {
    for (const watch of this.watches) watch.stop();
  }

  private onCatalog(entry: KvEntry, logger: Logger): void {
    if (entry.operation !== "PUT") {
      this.catalogs.delete(entry.key);
      return;
    }
    const value = decode<CatalogDefinition>(entry, logger);
    const held = this.catalogs.get(entry.key);
    if (value && (!held || value.version >= held.version)) this.catalogs.set(entry.key, value);
  }

  private onCustomer(entry: KvEntry, logger: Logger): void {
    if (entry.operation !== "PUT") {
      this.customers.delete(entry.key);
      return;
    }
    const value = decode<CustomerDefinition>(entry, logger);
    const held = this.customers.get(entry.key);
    if (value && (!held || value.version >= held.version)) this.customers.set(entry.key, value);
  }
}

function decode<T>(entry: KvEntry, logger: Logger): T | null {
  try {
    return decodeMessage<T>(entry.value);
  } catch (error) {
    logger.warn({ err: error, bucket: entry.bucket, key: entry.key }, "undecodable definition ignored");
    return null;
  }
}
