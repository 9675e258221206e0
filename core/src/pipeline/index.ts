export * from "./codec";
export * from "./definitions";
export * from "./messages";
export * from "./names";
export * from "./partition";
