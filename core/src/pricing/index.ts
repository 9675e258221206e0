export * from "./invoice-totals";
export * from "./proration";
export * from "./rate-price";
