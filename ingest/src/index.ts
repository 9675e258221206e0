export { type IngestServer, startIngest } from "./app";
export { createIngestContext, DEFAULT_LIMITS, type IngestContext, type IngestLimits } from "./context";
export { createIngestMetrics, type IngestMetrics } from "./metrics";
