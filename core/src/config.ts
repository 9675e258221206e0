import { LumenError } from "./errors";

/** Environment as read by `readConfig`; `process.env` fits. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** Every setting a Lumen process reads from its environment (PRODUCT §15). */
export interface LumenConfig {
  /** Interface billing and ingest listen on (`LUMEN_HOST`). */
  host: string;
  apiPort: number;
  ingestPort: number;
  /** The sidecar answers only its own machine unless `LUMEN_SIDECAR_HOST` says otherwise (containers). */
  sidecarHost: string;
  sidecarPort: number;
  /** The aggregator has no public port: this one serves only its /healthz on loopback. */
  aggregatorPort: number;
  natsUrl: string;
  databaseUrl: string;
  /** Unset means embedded ClickHouse (chDB) in `${dataDir}/clickhouse`. */
  clickhouseUrl: string | undefined;
  dataDir: string;
  /** Prefix of every stream, subject root and KV bucket, so that test runs never collide. */
  natsPrefix: string;
  /** Keys from `LUMEN_API_KEY` (one key or a comma-separated list), registered at start-up. */
  apiKeys: string[];
  logLevel: LogLevel;
  /** Partitions of the event stream (`LUMEN_PARTITIONS`), fixed when the stream is created. */
  partitions: number;
  /** The EU's VIES REST API (`LUMEN_VIES_URL`), asked about VAT ids when `verifyTaxIds` is on (PRODUCT §8). */
  viesUrl: string;
  /** Stripe (PRODUCT §13): set both to offer the `stripe` payment provider; `STRIPE_API_URL` points at a fake. */
  stripe: { secretKey: string; webhookSecret: string; apiUrl: string | undefined } | null;
}

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const DEFAULT_CONFIG = {
  host: "0.0.0.0",
  apiPort: 8080,
  ingestPort: 8081,
  sidecarHost: "127.0.0.1",
  sidecarPort: 7070,
  aggregatorPort: 8082,
  natsUrl: "nats://127.0.0.1:4222",
  databaseUrl: "postgres://postgres@127.0.0.1:5432/lumen",
  dataDir: "./.lumen",
  natsPrefix: "lumen",
  logLevel: "info",
  partitions: 16,
  viesUrl: "https://ec.europa.eu/taxation_customs/vies/rest-api",
} as const satisfies Partial<LumenConfig>;

const API_KEY_PREFIXES = ["lum_sk_test_", "lum_sk_live_"] as const;

/** Reads the whole configuration; throws a `validation_error` naming the variable at fault. */
export function readConfig(env: Environment = process.env): LumenConfig {
  return {
    host: readString(env, "LUMEN_HOST") ?? DEFAULT_CONFIG.host,
    apiPort: readPort(env, "LUMEN_API_PORT", DEFAULT_CONFIG.apiPort),
    ingestPort: readPort(env, "LUMEN_INGEST_PORT", DEFAULT_CONFIG.ingestPort),
    sidecarHost: readString(env, "LUMEN_SIDECAR_HOST") ?? DEFAULT_CONFIG.sidecarHost,
    sidecarPort: readPort(env, "LUMEN_SIDECAR_PORT", DEFAULT_CONFIG.sidecarPort),
    aggregatorPort: readPort(env, "LUMEN_AGGREGATOR_PORT", DEFAULT_CONFIG.aggregatorPort),
    natsUrl: readString(env, "NATS_URL") ?? DEFAULT_CONFIG.natsUrl,
    databaseUrl: readString(env, "DATABASE_URL") ?? DEFAULT_CONFIG.databaseUrl,
    clickhouseUrl: readString(env, "CLICKHOUSE_URL"),
    dataDir: readString(env, "LUMEN_DATA_DIR") ?? DEFAULT_CONFIG.dataDir,
    natsPrefix: readNatsPrefix(env),
    apiKeys: readApiKeys(env),
    logLevel: readLogLevel(env),
    partitions: readPartitions(env),
    viesUrl: readString(env, "LUMEN_VIES_URL") ?? DEFAULT_CONFIG.viesUrl,
    stripe: readStripe(env),
  };
}

function readStripe(env: Environment): LumenConfig["stripe"] {
  const secretKey = readString(env, "STRIPE_SECRET_KEY");
  const webhookSecret = readString(env, "STRIPE_WEBHOOK_SECRET");
  if (!secretKey && !webhookSecret) return null;
  if (!secretKey || !webhookSecret) {
    const missing = secretKey ? "STRIPE_WEBHOOK_SECRET" : "STRIPE_SECRET_KEY";
    throw new LumenError("validation_error", `${missing} must be set with the other Stripe variable`, [
      { path: missing, message: "Stripe needs both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET" },
    ]);
  }
  return { secretKey, webhookSecret, apiUrl: readString(env, "STRIPE_API_URL") };
}

/** An empty variable counts as unset, as compose files and shells often leave them. */
function readString(env: Environment, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function readPort(env: Environment, name: string, fallback: number): number {
  const raw = readString(env, name);
  if (raw === undefined) return fallback;
  const port = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalidVariable(name, `${name} must be a port number from 1 to 65535, got '${raw}'`);
  }
  return port;
}

// Stream and KV bucket names allow only these characters, and the prefix is also a subject token.
function readNatsPrefix(env: Environment): string {
  const prefix = readString(env, "LUMEN_NATS_PREFIX") ?? DEFAULT_CONFIG.natsPrefix;
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(prefix)) {
    throw invalidVariable(
      "LUMEN_NATS_PREFIX",
      `LUMEN_NATS_PREFIX may contain only letters, digits, '_' and '-' (at most 64), got '${prefix}'`,
    );
  }
  return prefix;
}

function readApiKeys(env: Environment): string[] {
  const keys = (readString(env, "LUMEN_API_KEY") ?? "")
    .split(",")
    .map((key) => key.trim())
    .filter((key) => key !== "");
  for (const key of keys) {
    const prefix = API_KEY_PREFIXES.find((candidate) => key.startsWith(candidate));
    if (!prefix || key.length === prefix.length) {
      throw invalidVariable(
        "LUMEN_API_KEY",
        "LUMEN_API_KEY must be one key or a comma-separated list of keys starting with lum_sk_test_ or lum_sk_live_",
      );
    }
  }
  return keys;
}

function readLogLevel(env: Environment): LogLevel {
  const level = readString(env, "LUMEN_LOG_LEVEL") ?? DEFAULT_CONFIG.logLevel;
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw invalidVariable("LUMEN_LOG_LEVEL", `LUMEN_LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  }
  return level as LogLevel;
}

function invalidVariable(name: string, message: string): LumenError {
  return new LumenError("validation_error", message, [{ path: name, message }]);
}

function readPartitions(env: Environment): number {
  const raw = readString(env, "LUMEN_PARTITIONS");
  if (raw === undefined) return DEFAULT_CONFIG.partitions;
  const partitions = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > 1024) {
    throw invalidVariable("LUMEN_PARTITIONS", `LUMEN_PARTITIONS must be a whole number from 1 to 1024, got '${raw}'`);
  }
  return partitions;
}
