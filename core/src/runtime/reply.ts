import type { HttpResponse } from "uWebSockets.js";
import { STATUS_CODES } from "node:http";
import { type ErrorCode, LumenError } from "../errors";
import { newId } from "../ids";
import { encodeMsgpack } from "./http-codec";

/**
 * The one way a route answers: JSON, or MessagePack when the caller asked for it. Holds uWS's rules: nothing
 * is written after the client went away, every write after an await is corked, and only one answer is sent.
 */
export interface Reply {
  /** True once the client went away or an answer was sent: stop working on the request. */
  readonly done: boolean;
  send(status: number, body: unknown, headers?: Record<string, string>): void;
  /** `send` with the JSON text of `body` already made (a cache's); MessagePack callers still get `body` encoded. */
  sendJson(status: number, body: unknown, json: string): void;
  /** The error envelope (PRODUCT §1) with a fresh request id; `rate_limited` carries `Retry-After`. */
  error(error: unknown, options?: { closeConnection?: boolean }): void;
}

/**
 * Must be called synchronously in the route handler: it registers `onAborted`. `onSent` sees each answer's
 * status; `onFinished` runs once when the request is over (answered or aborted).
 */
const NO_HEADERS: Record<string, string> = {};

export function createReply(
  res: HttpResponse,
  msgpack: boolean,
  { onSent, onFinished }: { onSent?: (status: number) => void; onFinished?: () => void } = {},
): Reply {
  let done = false;
  res.onAborted(() => {
    if (done) return;
    done = true;
    onFinished?.();
  });
  const write = (
    status: number,
    body: unknown,
    headers: Record<string, string>,
    closeConnection: boolean,
    json?: string,
  ) => {
    if (done) return;
    done = true;
    const payload = msgpack ? encodeMsgpack(body) : (json ?? JSON.stringify(body));
    res.cork(() => {
      res.writeStatus(`${status} ${STATUS_CODES[status] ?? ""}`);
      res.writeHeader("content-type", msgpack ? "application/msgpack" : "application/json");
      for (const [name, value] of Object.entries(headers)) res.writeHeader(name, value);
      res.end(payload, closeConnection);
    });
    onSent?.(status);
    onFinished?.();
  };
  return {
    get done() {
      return done;
    },
    send(status, body, headers = {}) {
      write(status, body, headers, false);
    },
    sendJson(status, body, json) {
      write(status, body, NO_HEADERS, false, json);
    },
    error(error, { closeConnection = false } = {}) {
      const lumen = asLumenError(error);
      const headers: Record<string, string> = lumen.code === "rate_limited" ? { "retry-after": "1" } : {};
      const body = { error: { ...errorBody(lumen), requestId: newId("req") } };
      write(lumen.status, body, headers, closeConnection);
    },
  };
}

export function asLumenError(error: unknown): LumenError {
  if (error instanceof LumenError) return error;
  return new LumenError("internal", "Something went wrong on our side; retry shortly");
}

export function errorBody(error: LumenError): { code: ErrorCode; message: string; details: LumenError["details"] } {
  return { code: error.code, message: error.message, details: error.details };
}
