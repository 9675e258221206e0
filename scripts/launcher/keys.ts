export interface BootstrapKeys {
  test: string;
  live: string;
}

/**
 * The bootstrap keys from one line of billing's stdout: on its first start with an empty
 * database billing logs one pino JSON line with `bootstrapKeys: { test, live }`.
 */
export function parseBootstrapKeys(line: string): BootstrapKeys | undefined {
  if (!line.includes("bootstrapKeys")) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(line);
  } catch {
    return undefined;
  }
  const keys = (record as { bootstrapKeys?: unknown } | null)?.bootstrapKeys as Partial<BootstrapKeys> | undefined;
  if (typeof keys !== "object" || keys === null) return undefined;
  const { test, live } = keys;
  if (typeof test !== "string" || !isKey(test, "lum_sk_test_")) return undefined;
  if (typeof live !== "string" || !isKey(live, "lum_sk_live_")) return undefined;
  return { test, live };
}

function isKey(value: string, prefix: string): boolean {
  return value.startsWith(prefix) && value.length > prefix.length;
}

/** A key with everything after its environment prefix hidden. */
export function maskKey(key: string): string {
  const prefix = /^lum_sk_(test|live)_/.exec(key)?.[0];
  return prefix ? `${prefix}…` : "…";
}
