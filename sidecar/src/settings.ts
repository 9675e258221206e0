import { type Environment, type LumenEnv, LumenError } from "@lumen/core";
import type { CacheLimits } from "./cache/customer-cache";
import { DEFAULT_CACHE_LIMITS } from "./create-sidecar";

export interface SidecarSettings {
  /** `LUMEN_SIDECAR_ENV`: the environment of the application next to it (`test` by default, as `npm start`). */
  env: LumenEnv;
  /** `LUMEN_SIDECAR_CACHE_ENTRIES` and `LUMEN_SIDECAR_CACHE_MB`. */
  cache: CacheLimits;
}

/** The sidecar's own settings, beside the shared `readConfig` ones. */
export function readSidecarSettings(env: Environment = process.env): SidecarSettings {
  const environment = env.LUMEN_SIDECAR_ENV?.trim() || "test";
  if (environment !== "test" && environment !== "live") {
    throw new LumenError("validation_error", `LUMEN_SIDECAR_ENV must be test or live, got '${environment}'`);
  }
  return {
    env: environment,
    cache: {
      maxEntries: readPositive(env, "LUMEN_SIDECAR_CACHE_ENTRIES") ?? DEFAULT_CACHE_LIMITS.maxEntries,
      maxBytes:
        (readPositive(env, "LUMEN_SIDECAR_CACHE_MB") ?? DEFAULT_CACHE_LIMITS.maxBytes / 1024 / 1024) * 1024 * 1024,
    },
  };
}

function readPositive(env: Environment, name: string): number | undefined {
  const raw = env[name]?.trim();
  if (!raw) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new LumenError("validation_error", `${name} must be a whole number ≥ 1, got '${raw}'`);
  }
  return Number(raw);
}
