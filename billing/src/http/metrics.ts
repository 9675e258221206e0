import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "lumen_billing_" });
  const requests = new Counter({
    name: "lumen_billing_http_requests_total",
    help: "HTTP requests by route, method and status",
    labelNames: ["route", "method", "status"] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "lumen_billing_http_request_duration_seconds",
    help: "HTTP request duration",
    labelNames: ["route", "method"] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  return {
    contentType: registry.contentType,
    observe(route: string, method: string, status: number, elapsedMs: number) {
      requests.inc({ route, method, status: String(status) });
      duration.observe({ route, method }, elapsedMs / 1000);
    },
    render: () => registry.metrics(),
  };
}
