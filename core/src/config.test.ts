import { describe, expect, it } from "vitest";
import { readConfig } from "./config";
import { LumenError } from "./errors";

describe("readConfig", () => {
  it("gives the documented defaults for an empty environment", () => {
    expect(readConfig({})).toEqual({
      host: "0.0.0.0",
      apiPort: 8080,
      ingestPort: 8081,
      sidecarHost: "127.0.0.1",
      sidecarPort: 7070,
      aggregatorPort: 8082,
      natsUrl: "nats://127.0.0.1:4222",
      databaseUrl: "postgres://postgres@127.0.0.1:5432/lumen",
      clickhouseUrl: undefined,
      dataDir: "./.lumen",
      natsPrefix: "lumen",
      apiKeys: [],
      logLevel: "info",
      partitions: 16,
      viesUrl: "https://ec.europa.eu/taxation_customs/vies/rest-api",
      stripe: null,
    });
  });

  it("reads every variable", () => {
    const config = readConfig({
      LUMEN_HOST: "127.0.0.1",
      LUMEN_API_PORT: "9080",
      LUMEN_INGEST_PORT: "9081",
      LUMEN_SIDECAR_PORT: "9070",
      LUMEN_AGGREGATOR_PORT: "9082",
      NATS_URL: "nats://nats:4222",
      DATABASE_URL: "postgres://u:p@db:5432/x",
      CLICKHOUSE_URL: "http://clickhouse:8123",
      LUMEN_DATA_DIR: "/var/lib/lumen",
      LUMEN_NATS_PREFIX: "t_1-a",
      LUMEN_API_KEY: "lum_sk_test_abc, lum_sk_live_def",
      LUMEN_LOG_LEVEL: "warn",
    });
    expect(config).toMatchObject({
      host: "127.0.0.1",
      apiPort: 9080,
      ingestPort: 9081,
      sidecarPort: 9070,
      aggregatorPort: 9082,
      natsUrl: "nats://nats:4222",
      databaseUrl: "postgres://u:p@db:5432/x",
      clickhouseUrl: "http://clickhouse:8123",
      dataDir: "/var/lib/lumen",
      natsPrefix: "t_1-a",
      apiKeys: ["lum_sk_test_abc", "lum_sk_live_def"],
      logLevel: "warn",
    });
  });

  it("treats an empty variable as unset", () => {
    expect(readConfig({ CLICKHOUSE_URL: "", LUMEN_API_PORT: " " })).toMatchObject({
      clickhouseUrl: undefined,
      apiPort: 8080,
    });
  });

  it.each(["0", "65536", "80a", "-1", "8080.5", "http"])("rejects the port '%s' naming the variable", (raw) => {
    const error = captureError(() => readConfig({ LUMEN_INGEST_PORT: raw }));
    expect(error).toBeInstanceOf(LumenError);
    expect(error).toMatchObject({
      code: "validation_error",
      details: [{ path: "LUMEN_INGEST_PORT" }],
    });
    expect((error as LumenError).message).toContain("LUMEN_INGEST_PORT");
  });

  it("rejects a NATS prefix that cannot name a stream", () => {
    expect(() => readConfig({ LUMEN_NATS_PREFIX: "a.b" })).toThrow(/LUMEN_NATS_PREFIX/);
  });

  it("rejects an API key without a Lumen prefix, without echoing the key", () => {
    const error = captureError(() => readConfig({ LUMEN_API_KEY: "lum_sk_test_ok,sk_secret123" }));
    expect(error).toMatchObject({ code: "validation_error", details: [{ path: "LUMEN_API_KEY" }] });
    expect((error as Error).message).not.toContain("secret123");
  });

  it("rejects an unknown log level", () => {
    expect(() => readConfig({ LUMEN_LOG_LEVEL: "loud" })).toThrow(/LUMEN_LOG_LEVEL/);
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error("expected an error");
}

describe("LUMEN_PARTITIONS", () => {
  it("reads a partition count and rejects nonsense with the variable's name", () => {
    expect(readConfig({ LUMEN_PARTITIONS: "64" }).partitions).toBe(64);
    expect(() => readConfig({ LUMEN_PARTITIONS: "0" })).toThrow(/LUMEN_PARTITIONS/);
    expect(() => readConfig({ LUMEN_PARTITIONS: "many" })).toThrow(/LUMEN_PARTITIONS/);
  });
});
