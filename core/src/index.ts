export * from "./canonical-json";
export * from "./clock";
export * from "./config";
export * from "./errors";
export * from "./ids";
export * from "./money";
export * from "./period";
export * from "./schemas";
