import type { WebSocket } from "uWebSockets.js";
import { startHttpServer } from "@lumen/core/runtime";
import type { IngestContext } from "./context";
import { registerEventStream, type StreamConnection } from "./routes/event-stream";
import { serveMetrics } from "./routes/metrics";
import { postEvents } from "./routes/post-events";

export interface IngestServer {
  port: number;
  /** Stops listening and closes the WebSocket connections (1001); in-flight HTTP answers still go out. */
  close(): void;
}

/** The ingest tier's uWebSockets.js server: track, batch, the event stream, /healthz and /metrics. */
export async function startIngest({
  ctx,
  host,
  port,
}: {
  ctx: IngestContext;
  host: string;
  port: number;
}): Promise<IngestServer> {
  const connections = new Set<WebSocket<StreamConnection>>();
  const server = await startHttpServer({
    component: "ingest",
    host,
    port,
    routes: (app) => {
      app.post("/v1/track", postEvents(ctx, "track"));
      app.post("/v1/events/batch", postEvents(ctx, "batch"));
      registerEventStream(app, ctx, connections);
      app.get("/metrics", serveMetrics(ctx.metrics));
    },
  });
  return {
    port: server.port,
    close() {
      server.close();
      for (const ws of connections) {
        ws.getUserData().closed = true;
        ws.end(1001, "ingest is stopping");
      }
      connections.clear();
    },
  };
}
