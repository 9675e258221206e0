// Entitlement math (issue 3): burn order, rollover, grants, overrides and the check decision. Pure; not yet
// wired into billing, the aggregator or the sidecar.
export * from "./burn";
export * from "./check";
export * from "./resolve-entitlement";
export * from "./types";
