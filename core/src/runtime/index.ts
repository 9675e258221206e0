// Process wiring shared by the components (signals, NATS, the uWebSockets.js server). Not pure: kept
// apart from the rest of core, which is.

export * from "./byte-budget";
export * from "./event-publisher";
export * from "./events-stream";
export * from "./http-codec";
export * from "./lifecycle";
export * from "./nats";
export * from "./read-body";
export * from "./reply";
export * from "./uws-http";
export * from "./watch-bucket";
