import type { HttpRequest, HttpResponse } from "uWebSockets.js";
import type { IngestMetrics } from "../metrics";

/** `GET /metrics`: Prometheus text exposition. */
export function serveMetrics(metrics: IngestMetrics): (res: HttpResponse, req: HttpRequest) => void {
  return (res) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    metrics.registry.metrics().then(
      (text) => {
        if (aborted) return;
        res.cork(() => res.writeHeader("content-type", metrics.registry.contentType).end(text));
      },
      () => {
        if (aborted) return;
        res.cork(() => res.writeStatus("500 Internal Server Error").end());
      },
    );
  };
}
