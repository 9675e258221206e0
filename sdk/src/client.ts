import { Admin } from "./admin";
import { DEFAULT_SIDECAR_URL } from "./sidecar";
import { type FetchLike, Transport } from "./transport";

export const DEFAULT_API_URL = "http://127.0.0.1:8080";
export const DEFAULT_TIMEOUT_MS = 60_000;
export const DEFAULT_MAX_RETRIES = 2;

export interface LumenOptions {
  /** The billing API; default `http://127.0.0.1:8080`. */
  apiUrl?: string;
  /**
   * A secret key, `lum_sk_test_…` or `lum_sk_live_…`; it decides the environment. Default: `LUMEN_API_KEY`
   * when that holds a single key (a comma-separated list is the server's setting, not a client's).
   */
  secretKey?: string;
  /** The sidecar next to this application; default `http://127.0.0.1:7070`. */
  sidecarUrl?: string;
  /** Time allowed for each attempt of a call; default 60 000 ms (a test clock advance may run long). */
  timeoutMs?: number;
  /** Retries after a connection failure, a 429 or a 5xx; default 2. */
  maxRetries?: number;
  /** Default: the global `fetch` of Node 20 or the browser. */
  fetch?: FetchLike;
}

/**
 * The Lumen client. Management calls are under `lumen.admin`; entitlement checks and usage tracking through
 * the sidecar join later (see sidecar.ts).
 *
 * @example const lumen = new Lumen({ secretKey: process.env.LUMEN_SECRET_KEY });
 */
export class Lumen {
  /** One typed method for every billing API endpoint. */
  readonly admin: Admin;
  readonly apiUrl: string;
  readonly sidecarUrl: string;

  constructor(options: LumenOptions = {}) {
    const fetchImpl = options.fetch ?? ((url: string, init: RequestInit) => fetch(url, init));
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const maxRetries = options.maxRetries ?? DEFAULT_MAX_RETRIES;
    if (!(timeoutMs > 0)) throw new RangeError(`timeoutMs must be positive, got ${timeoutMs}`);
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new RangeError(`maxRetries must be a whole number ≥ 0, got ${maxRetries}`);
    }
    this.apiUrl = options.apiUrl ?? DEFAULT_API_URL;
    this.sidecarUrl = options.sidecarUrl ?? DEFAULT_SIDECAR_URL;
    const secretKey = options.secretKey ?? secretKeyFromEnvironment();
    this.admin = new Admin(new Transport({ baseUrl: this.apiUrl, secretKey, timeoutMs, maxRetries, fetch: fetchImpl }));
  }
}

/** `LUMEN_API_KEY` when it is one key; the server also accepts a list there, which names no single client key. */
function secretKeyFromEnvironment(): string | undefined {
  const value = typeof process === "undefined" ? undefined : process.env.LUMEN_API_KEY?.trim();
  return value && !value.includes(",") ? value : undefined;
}
