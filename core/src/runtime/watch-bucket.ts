import type { KV, KvEntry } from "nats";

export interface BucketWatch {
  /** Resolves once every value present when the watch began has been delivered. */
  initialized: Promise<void>;
  stop(): void;
}

/** Follows every key of a KV bucket: the current values first, then each change, until `stop`. */
export async function watchBucket({
  kv,
  onEntry,
  onError,
}: {
  kv: KV;
  onEntry: (entry: KvEntry) => void;
  onError: (error: unknown) => void;
}): Promise<BucketWatch> {
  let ready!: () => void;
  const initialized = new Promise<void>((resolve) => {
    ready = resolve;
  });
  const iterator = await kv.watch({ initializedFn: () => ready() });
  (async () => {
    try {
      for await (const entry of iterator) onEntry(entry);
    } catch (error) {
      onError(error);
    }
  })();
  return { initialized, stop: () => iterator.stop() };
}
