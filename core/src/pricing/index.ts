export * from "./proration";
export * from "./rate-price";
