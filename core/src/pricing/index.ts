export * from "./rate-price";
