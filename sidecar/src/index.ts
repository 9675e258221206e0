export { type CacheLimits, CustomerCache } from "./cache/customer-cache";
export { createSidecar, DEFAULT_CACHE_LIMITS, type RunningSidecar, type SidecarOptions } from "./create-sidecar";
export { createEmbeddedSidecar, type EmbeddedSidecar, type EmbeddedSidecarOptions } from "./embedded";
export { startSidecarServer } from "./http/server";
export { createSidecarMetrics } from "./metrics";
export { Sidecar, type SidecarRequest, type SidecarResponse } from "./sidecar";
