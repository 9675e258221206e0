import { pipelineNames, readConfig } from "@lumen/core";
import { connectJetStream, decodeBody } from "@lumen/core/runtime";
import type { NatsConnection } from "nats";
import { type Logger, pino } from "pino";
import type { CacheLimits } from "./cache/customer-cache";
import { createSidecar } from "./create-sidecar";
import { errorResponse } from "./sidecar";

export interface EmbeddedSidecarOptions {
  /** An open NATS connection to share; else one is opened to `natsUrl` (default `NATS_URL` or the local one). */
  nats?: NatsConnection;
  natsUrl?: string;
  /** `LUMEN_NATS_PREFIX` by default. */
  prefix?: string;
  /** `LUMEN_PARTITIONS` by default. */
  partitions?: number;
  env?: "test" | "live";
  cache?: Partial<CacheLimits>;
  logger?: Logger;
}

/** What the SDK's `sidecar` option takes: one request in, one answer out. */
export interface EmbeddedSidecar {
  /** Tells the SDK to skip network timeouts: the answer comes from this process. */
  readonly inProcess: true;
  request(request: {
    method: string;
    path: string;
    body?: unknown;
    contentType?: string;
  }): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/**
 * The sidecar's cache inside the application's own process (PRODUCT §14, embedded mode for Node apps): the same
 * handler the HTTP sidecar serves, called directly. `new Lumen({ sidecar: await createEmbeddedSidecar() })`.
 */
export async function createEmbeddedSidecar(options: EmbeddedSidecarOptions = {}): Promise<EmbeddedSidecar> {
  const config = readConfig();
  const logger = options.logger ?? pino({ name: "lumen-embedded-sidecar", level: config.logLevel });
  const ownConnection = options.nats === undefined;
  const nats =
    options.nats ??
    (await connectJetStream({ url: options.natsUrl ?? config.natsUrl, name: "lumen-embedded-sidecar" }));
  const running = await createSidecar({
    nats,
    names: pipelineNames(options.prefix ?? config.natsPrefix),
    partitions: options.partitions ?? config.partitions,
    env: options.env ?? "test",
    cache: options.cache,
    logger,
  });
  return {
    inProcess: true,
    async request({ method, path, body, contentType = "application/json" }) {
      try {
        const decoded = body instanceof Uint8Array ? decodeBody(body, contentType) : body;
        const query = path.indexOf("?");
        return await running.sidecar.handle({
          method: method.toUpperCase(),
          path: query === -1 ? path : path.slice(0, query),
          body: decoded,
        });
      } catch (error) {
        return errorResponse(error);
      }
    },
    async close() {
      await running.close();
      if (ownConnection) await nats.drain();
    },
  };
}
