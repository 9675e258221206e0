import {
  type CustomerDefinition,
  customerKey,
  decodeMessage,
  type LumenEnv,
  LumenError,
  type PipelineNames,
  type UsageSnapshot,
} from "@lumen/core";
import { LRUCache } from "lru-cache";
import type { KV, NatsConnection, Subscription } from "nats";
import type { Logger } from "pino";
import { applyDefinition, applySnapshot, type CustomerEntry, sizeOf } from "./customer-entry";

export interface CacheLimits {
  /** Customers held at most. */
  maxEntries: number;
  /** Bytes held at most (entries' estimated sizes). */
  maxBytes: number;
}

export interface CacheObserver {
  hit?(): void;
  miss?(): void;
  evicted?(): void;
  pushApplied?(kind: "definition" | "snapshot"): void;
  pushIgnored?(kind: "definition" | "snapshot"): void;
}

interface Held {
  entry: CustomerEntry;
  subscriptions: Subscription[];
}

/**
 * The sidecar's customers: an LRU bounded by entries and bytes. A miss reads the definition and the owner's
 * snapshot from KV and subscribes to both subjects of that customer, so pushes keep it current; eviction
 * unsubscribes. Pushes older than what is held are ignored (definition versions and stream sequences only grow).
 */
export class CustomerCache {
  private readonly lru: LRUCache<string, Held>;
  private readonly loading = new Map<string, Promise<CustomerEntry>>();

  constructor(
    private readonly deps: {
      nats: NatsConnection;
      names: PipelineNames;
      definitions: KV;
      balances: KV;
      limits: CacheLimits;
      logger: Logger;
      observer?: CacheObserver;
      now?: () => number;
    },
  ) {
    this.lru = new LRUCache<string, Held>({
      max: deps.limits.maxEntries,
      maxSize: deps.limits.maxBytes,
      sizeCalculation: (held) => Math.max(1, held.entry.size),
      dispose: (held, _key, reason) => {
        for (const subscription of held.subscriptions) subscription.unsubscribe();
        if (reason === "evict") deps.observer?.evicted?.();
      },
    });
  }

  /** The cached entry, without loading (the hot path: no promise when cached). */
  peek(env: LumenEnv, customer: string): CustomerEntry | undefined {
    const held = this.lru.get(cacheKey(env, customer));
    if (held) this.deps.observer?.hit?.();
    return held?.entry;
  }

  /** The entry, loaded from KV on a miss (concurrent misses share one load). */
  async get(env: LumenEnv, customer: string): Promise<CustomerEntry> {
    const cached = this.peek(env, customer);
    if (cached) return cached;
    const key = cacheKey(env, customer);
    let load = this.loading.get(key);
    if (!load) {
      this.deps.observer?.miss?.();
      load = this.load(env, customer).finally(() => this.loading.delete(key));
      this.loading.set(key, load);
    }
    return load;
  }

  /** Re-reads every cached customer from KV: after a disconnection pushes may have been missed. */
  async reloadAll(): Promise<void> {
    const held = [...this.lru.values()];
    await Promise.all(
      held.map(async ({ entry }) => {
        const [definition, snapshot] = await this.read(entry.env, entry.customer);
        const now = this.now();
        if (definition) applyDefinition(entry, definition, now);
        if (snapshot) applySnapshot(entry, snapshot, now);
        // Deleted while we were away (a delete or purge is missed like any push): forget what was held.
        if (!definition && entry.definition) forget(entry, "definition");
        if (!snapshot && entry.snapshot) forget(entry, "snapshot");
        entry.refreshedAt = now;
      }),
    );
  }

  /** Re-measures an entry after its own events changed (the LRU's byte bound). */
  touch(entry: CustomerEntry): void {
    const key = cacheKey(entry.env, entry.customer);
    const held = this.lru.peek(key);
    if (!held) return;
    entry.size = sizeOf(entry);
    this.lru.set(key, held);
  }

  get size(): number {
    return this.lru.size;
  }

  get bytes(): number {
    return this.lru.calculatedSize;
  }

  clear(): void {
    this.lru.clear();
  }

  private async load(env: LumenEnv, customer: string): Promise<CustomerEntry> {
    const key = cacheKey(env, customer);
    const entry: CustomerEntry = {
      env,
      customer,
      definition: undefined,
      snapshot: undefined,
      own: [],
      size: 0,
      refreshedAt: this.now(),
      revision: 0,
      memo: new Map(),
      answers: new Map(),
    };
    // Subscribe first, then read: a push between the two is applied, and the read cannot undo it (versions).
    const subscriptions = [
      this.subscribe(this.deps.names.definitionsSubject(env, customer), entry, "definition"),
      this.subscribe(this.deps.names.balancesSubject(env, customer), entry, "snapshot"),
    ];
    try {
      const [definition, snapshot] = await this.read(env, customer);
      const now = this.now();
      if (definition) applyDefinition(entry, definition, now);
      if (snapshot) applySnapshot(entry, snapshot, now);
    } catch (error) {
      for (const subscription of subscriptions) subscription.unsubscribe();
      const reason = error instanceof Error ? error.message : String(error);
      throw new LumenError(
        "unavailable",
        `The sidecar cannot load customer '${customer}' from NATS (${reason}); retry`,
      );
    }
    entry.size = sizeOf(entry);
    this.lru.set(key, { entry, subscriptions });
    return entry;
  }

  private async read(
    env: LumenEnv,
    customer: string,
  ): Promise<[CustomerDefinition | undefined, UsageSnapshot | undefined]> {
    const key = customerKey(env, customer);
    const [definition, snapshot] = await Promise.all([this.deps.definitions.get(key), this.deps.balances.get(key)]);
    return [decodeEntry<CustomerDefinition>(definition), decodeEntry<UsageSnapshot>(snapshot)];
  }

  private subscribe(subject: string, entry: CustomerEntry, kind: "definition" | "snapshot"): Subscription {
    return this.deps.nats.subscribe(subject, {
      callback: (error, message) => {
        if (error) return;
        try {
          const now = this.now();
          const applied =
            kind === "definition"
              ? applyDefinition(entry, decodeMessage<CustomerDefinition>(message.data), now)
              : applySnapshot(entry, decodeMessage<UsageSnapshot>(message.data), now);
          if (applied) this.deps.observer?.pushApplied?.(kind);
          else this.deps.observer?.pushIgnored?.(kind);
        } catch (decodeError) {
          this.deps.logger.warn({ err: decodeError, subject }, "undecodable push ignored");
        }
      },
    });
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}

function forget(entry: CustomerEntry, part: "definition" | "snapshot"): void {
  entry[part] = undefined;
  entry.revision++;
}

/** In memory only: cheaper than the KV key (which escapes the customer id). */
function cacheKey(env: LumenEnv, customer: string): string {
  return `${env}\u0000${customer}`;
}

function decodeEntry<T>(entry: { operation: string; value: Uint8Array } | null): T | undefined {
  if (entry?.operation !== "PUT" || entry.value.length === 0) return undefined;
  return decodeMessage<T>(entry.value);
}
