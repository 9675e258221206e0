export * from "./counter-period";
export * from "./counter-state";
export * from "./idempotency";
export * from "./readings";
export * from "./recompute-usage";
