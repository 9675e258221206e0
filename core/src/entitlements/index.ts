// Entitlement math (issue 3): burn order, rollover, grants, overrides, credits, seats and the check decision. Pure.

export * from "./balance";
export * from "./burn";
export * from "./check";
export * from "./resolve-entitlement";
export * from "./responses";
export * from "./scope";
export * from "./stable-until";
export * from "./types";
