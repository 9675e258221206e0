// Process wiring shared by the components (signals, NATS, the uWebSockets.js server). Not pure: kept
// apart from the rest of core, which is.
export * from "./event-publisher";
export * from "./events-stream";
export * from "./lifecycle";
export * from "./nats";
export * from "./uws-http";
