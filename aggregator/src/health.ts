import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { LumenError, newId } from "@lumen/core";

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The aggregator has no public API: this loopback server answers /healthz for supervisors and, when given,
 * /metrics (Prometheus text) for scrapers.
 */
export function startHealthServer({
  host,
  port,
  metrics,
}: {
  host: string;
  port: number;
  metrics?: () => Promise<{ contentType: string; body: string }>;
}): Promise<HealthServer> {
  const server = createServer((request, response) => {
    const [path] = (request.url ?? "/").split("?");
    if (request.method === "GET" && path === "/healthz") {
      return send(response, 200, { status: "ok", component: "aggregator" });
    }
    if (request.method === "GET" && path === "/metrics" && metrics) {
      metrics().then(
        ({ contentType, body }) => response.writeHead(200, { "content-type": contentType }).end(body),
        () => send(response, 500, { error: { code: "internal", message: "metrics failed", details: [] } }),
      );
      return;
    }
    const error = new LumenError("not_found", `No route ${request.method} ${path}`);
    send(response, error.status, {
      error: { code: error.code, message: error.message, details: error.details, requestId: newId("req") },
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(new Error(`aggregator cannot listen on ${host}:${port} (${error.code ?? error.message})`)),
    );
    server.listen(port, host, () =>
      resolve({ port: (server.address() as AddressInfo).port, close: () => close(server) }),
    );
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
}
