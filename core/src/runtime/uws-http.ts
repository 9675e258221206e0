import uWS, { type HttpResponse, type us_listen_socket } from "uWebSockets.js";
import { STATUS_CODES } from "node:http";
import { LumenError } from "../errors";
import { newId } from "../ids";

// uWS sets SO_REUSEPORT unless told otherwise, and a second process on a taken port would then
// share it silently. The typings omit the (host, port, options, callback) form the binary accepts.
const LIBUS_LISTEN_EXCLUSIVE_PORT = 1;
type ListenExclusive = (
  host: string,
  port: number,
  options: number,
  callback: (listenSocket: us_listen_socket | false) => void,
) => unknown;

export interface HttpServer {
  /** The port actually bound (differs from the one asked for when that was 0). */
  port: number;
  /** Stops accepting connections. */
  close(): void;
}

/**
 * A uWebSockets.js HTTP server for one component: `/healthz`, the routes the component adds, and the error
 * envelope for anything else. Shared by ingest and the sidecar.
 */
export function startHttpServer({
  component,
  host,
  port,
  routes,
}: {
  component: string;
  host: string;
  port: number;
  routes?: (app: uWS.TemplatedApp) => void;
}): Promise<HttpServer> {
  const app = uWS.App().get("/healthz", (res) => sendJson(res, 200, { status: "ok", component }));
  routes?.(app);
  app.any("/*", (res, req) => {
    const route = `${req.getMethod().toUpperCase()} ${req.getUrl()}`;
    sendError(res, new LumenError("not_found", `No route ${route}`));
  });
  return new Promise((resolve, reject) => {
    const listen = app.listen.bind(app) as unknown as ListenExclusive;
    listen(host, port, LIBUS_LISTEN_EXCLUSIVE_PORT, (listenSocket) => {
      if (!listenSocket) {
        reject(new Error(`${component} cannot listen on ${host}:${port} (in use, or not an address of this machine)`));
        return;
      }
      resolve({
        port: uWS.us_socket_local_port(listenSocket as unknown as uWS.us_socket),
        close: () => uWS.us_listen_socket_close(listenSocket),
      });
    });
  });
}

export function sendJson(res: HttpResponse, status: number, body: unknown): void {
  res.cork(() => {
    res
      .writeStatus(`${status} ${STATUS_CODES[status] ?? ""}`)
      .writeHeader("content-type", "application/json")
      .end(JSON.stringify(body));
  });
}

/** The Lumen error envelope (PRODUCT §1). */
export function sendError(res: HttpResponse, error: LumenError): void {
  const requestId = newId("req");
  sendJson(res, error.status, {
    error: { code: error.code, message: error.message, details: error.details, requestId },
  });
}
