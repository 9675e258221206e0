// Builders for tests across the workspace (never imported by production code).
export * from "./entitlements/testing";
