import type { SidecarTransport } from "./sidecar-transport";

/** Options of `createEmbeddedSidecar` in `@lumen/sidecar` (NATS connection or URL, prefix, env, cache limits). */
export type EmbeddedSidecarOptions = Record<string, unknown>;

/** The sidecar inside the application's process: a transport the client closes with itself. */
export interface EmbeddedSidecar extends SidecarTransport {
  close?(): Promise<void>;
}

interface SidecarModule {
  createEmbeddedSidecar(options?: EmbeddedSidecarOptions): Promise<EmbeddedSidecar>;
}

const SIDECAR_PACKAGE = "@lumen/sidecar";

/**
 * Loads `@lumen/sidecar` on demand and starts its embedded sidecar. The package is an optional peer: apps that
 * use the HTTP sidecar never load it (and bundlers must not pull it in, hence the computed specifier).
 *
 * @example const transport = await loadEmbeddedSidecar({ natsUrl: "nats://127.0.0.1:4222" });
 */
export async function loadEmbeddedSidecar(
  options: EmbeddedSidecarOptions = {},
  load: (specifier: string) => Promise<unknown> = (specifier) =>
    import(/* @vite-ignore */ /* webpackIgnore: true */ specifier),
): Promise<EmbeddedSidecar> {
  let module: unknown;
  try {
    module = await load(SIDECAR_PACKAGE);
  } catch (cause) {
    throw new Error(`Lumen.embedded needs ${SIDECAR_PACKAGE}: install it next to @lumen/sdk`, { cause });
  }
  const create = (module as Partial<SidecarModule> | null)?.createEmbeddedSidecar;
  if (typeof create !== "function") {
    throw new Error(`${SIDECAR_PACKAGE} has no createEmbeddedSidecar: install a version that has embedded mode`);
  }
  return create(options);
}
