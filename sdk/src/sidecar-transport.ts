import { encodeMsgpack } from "./sidecar-msgpack";
import type { FetchLike } from "./transport";

export const MSGPACK = "application/msgpack";

/** One request to the sidecar. */
export interface SidecarTransportRequest {
  method: "GET" | "POST";
  /** `/v1/check`, `/v1/customers/acme/usage`, … (ids already encoded). */
  path: string;
  /**
   * A JSON-like value, which an HTTP transport serializes per `contentType` (an in-process one may take it as
   * is), or bytes already encoded in `contentType`. Undefined without a body.
   */
  body?: unknown;
  /** `application/json` (default) or `application/msgpack`. */
  contentType?: string;
  /** Aborted when the call times out or the caller cancels it; a transport may ignore it. */
  signal?: AbortSignal;
}

/** The sidecar's answer: any status, the body decoded (the text itself when it is not JSON). */
export interface SidecarTransportResponse {
  status: number;
  body: unknown;
}

/**
 * How the SDK reaches a sidecar: the HTTP one on localhost by default, or one inside the application's process
 * (`createEmbeddedSidecar` of `@lumen/sidecar`). Resolve with every answer, 4xx and 5xx included; reject only
 * when no answer could be had (the SDK then retries, and applies `onSidecarUnavailable` to checks).
 *
 * @example new Lumen({ sidecar: { request: async ({ method, path, body }) => ({ status: 200, body: handle(method, path, body) }) } });
 */
export interface SidecarTransport {
  request(request: SidecarTransportRequest): Promise<SidecarTransportResponse>;
  /**
   * true for a transport inside the application's process (embedded mode): no network, so calls skip the
   * per-attempt timer and abort plumbing, which would cost more than the check itself.
   */
  readonly inProcess?: boolean;
}

/**
 * The default transport: `fetch` to the sidecar's HTTP server (Node 20's global fetch keeps connections alive
 * between calls), with the secret key as a Bearer token when given (the sidecar on localhost does not need it).
 *
 * @example const lumen = new Lumen({ sidecar: createHttpSidecarTransport({ baseUrl: "http://127.0.0.1:7070" }) });
 */
export function createHttpSidecarTransport({
  baseUrl,
  secretKey,
  fetch: fetchImpl = (url, init) => fetch(url, init),
}: {
  baseUrl: string;
  secretKey?: string | undefined;
  fetch?: FetchLike;
}): SidecarTransport {
  const base = baseUrl.replace(/\/+$/, "");
  return {
    async request({ method, path, body, contentType = "application/json", signal }) {
      const headers: Record<string, string> = { accept: "application/json" };
      if (secretKey) headers.authorization = `Bearer ${secretKey}`;
      let payload: string | Uint8Array | undefined;
      if (body !== undefined) {
        headers["content-type"] = contentType;
        try {
          payload = encodeBody(body, contentType);
        } catch (error) {
          // Not the network's fault: answer as the sidecar would, so that it is not retried.
          const message = `The body cannot be encoded: ${error instanceof Error ? error.message : String(error)}`;
          return { status: 400, body: { error: { code: "validation_error", message, details: [] } } };
        }
      }
      const response = await fetchImpl(base + path, {
        method,
        headers,
        body: payload as RequestInit["body"],
        signal,
      });
      const text = await response.text();
      return { status: response.status, body: parseJson(text) };
    },
  };
}

function encodeBody(body: unknown, contentType: string): string | Uint8Array {
  if (body instanceof Uint8Array || typeof body === "string") return body;
  if (contentType === MSGPACK) return encodeMsgpack(body);
  const json = JSON.stringify(body);
  if (json === undefined) throw new TypeError(`a ${typeof body} is not JSON`);
  return json;
}

function parseJson(text: string): unknown {
  if (text === "") return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
