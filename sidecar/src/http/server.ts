import type { HttpRequest, HttpResponse, TemplatedApp } from "uWebSockets.js";
import { LumenError } from "@lumen/core";
import {
  acceptsMsgpack,
  type ByteBudget,
  createByteBudget,
  createReply,
  decodeBody,
  type HttpServer,
  readBody,
  startHttpServer,
} from "@lumen/core/runtime";
import type { SidecarMetrics } from "../metrics";
import { errorResponse, type Sidecar, type SidecarResponse } from "../sidecar";

const BODY_LIMIT = 1024 * 1024;
/** `/v1/track` takes batches, like ingest's batch endpoint. */
const TRACK_BODY_LIMIT = 8 * 1024 * 1024;
/** Bytes of request bodies held at once. */
const BODY_BUDGET = 64 * 1024 * 1024;

/**
 * The sidecar on localhost (uWebSockets.js): each request's body is read and decoded (JSON or MessagePack), handed
 * to `Sidecar.handle`, and answered in JSON (MessagePack when asked). `noopRoute` adds `POST /bench/noop`, which
 * reads and decodes a body and answers `{}`: the benchmark's limit for the same server.
 */
export function startSidecarServer({
  sidecar,
  metrics,
  host,
  port,
  noopRoute = false,
}: {
  sidecar: Sidecar;
  metrics: SidecarMetrics;
  host: string;
  port: number;
  noopRoute?: boolean;
}): Promise<HttpServer> {
  const budget = createByteBudget(BODY_BUDGET);
  return startHttpServer({
    component: "sidecar",
    host,
    port,
    routes: (app: TemplatedApp) => {
      app.get("/metrics", (res) => {
        let aborted = false;
        res.onAborted(() => {
          aborted = true;
        });
        void metrics.registry.metrics().then((text) => {
          if (aborted) return;
          res.cork(() => res.writeHeader("content-type", metrics.registry.contentType).end(text));
        });
      });
      if (noopRoute) {
        app.post("/bench/noop", (res, req) =>
          serve(res, req, budget, metrics, "noop", () => ({ status: 200, body: {} })),
        );
      }
      app.any("/v1/*", (res, req) => serve(res, req, budget, metrics, null, (request) => sidecar.handle(request)));
    },
  });
}

function serve(
  res: HttpResponse,
  req: HttpRequest,
  budget: ByteBudget,
  metrics: SidecarMetrics,
  fixedRoute: string | null,
  handle: (request: { method: string; path: string; body: unknown }) => SidecarResponse | Promise<SidecarResponse>,
): void {
  // The request object is only valid until the handler returns: read everything now.
  const method = req.getMethod().toUpperCase();
  const path = req.getUrl();
  const contentType = req.getHeader("content-type");
  const route = fixedRoute ?? routeOf(method, path);
  let release = () => {};
  const reply = createReply(res, acceptsMsgpack(req.getHeader("accept")), {
    onSent: (status) => metrics.responses.inc({ route, status }),
    onFinished: () => release(),
  });
  const answer = (response: SidecarResponse | Promise<SidecarResponse>) => {
    const send = (settled: SidecarResponse) =>
      settled.json === undefined
        ? reply.send(settled.status, settled.body)
        : reply.sendJson(settled.status, settled.body, settled.json);
    if (response instanceof Promise) response.then(send, sendError);
    else send(response);
  };
  const sendError = (error: unknown) => {
    const { status, body } = errorResponse(error);
    reply.send(status, body);
  };
  if (method === "GET" || method === "DELETE") {
    answer(handle({ method, path, body: undefined }));
    return;
  }
  const limit = path === "/v1/track" ? TRACK_BODY_LIMIT : BODY_LIMIT;
  const reading = readBody(res, { limit, budget }, (result) => {
    if (reply.done) return;
    if (!result.ok) {
      const error =
        result.reason === "too_large"
          ? new LumenError("payload_too_large", `The body is larger than ${limit / (1024 * 1024)} MB`)
          : new LumenError("rate_limited", "The sidecar is receiving too much at once; retry after a second");
      reply.error(error, { closeConnection: true });
      return;
    }
    try {
      const body = result.body.length === 0 ? undefined : decodeBody(result.body, contentType);
      answer(handle({ method, path, body }));
    } catch (error) {
      sendError(error);
    }
  });
  release = reading.release;
}

/** The POST routes of fixed paths, with their label made once (a check is the hot path). */
const FIXED_ROUTES = new Map(
  ["/v1/check", "/v1/consume", "/v1/track", "/v1/reservations"].map((path) => [path, `POST ${path}`]),
);

/** A bounded label for metrics: the route, not the path with its ids. */
function routeOf(method: string, path: string): string {
  const fixed = method === "POST" ? FIXED_ROUTES.get(path) : undefined;
  if (fixed !== undefined) return fixed;
  if (path.startsWith("/v1/customers/")) return `${method} /v1/customers/:id/usage`;
  if (path.startsWith("/v1/reservations/"))
    return `${method} /v1/reservations/:id/${path.endsWith("commit") ? "commit" : "release"}`;
  return "other";
}
