import { describeServer } from "./addresses";
import { LaunchError } from "./errors";

/** Checks that the ClickHouse server of CLICKHOUSE_URL answers its HTTP /ping. */
export async function checkClickHouse(url: string): Promise<void> {
  const where = describeServer(url, 8123);
  const advice = `start it, fix CLICKHOUSE_URL, or unset CLICKHOUSE_URL to use embedded ClickHouse`;
  if (!/^https?:\/\//.test(url) || !URL.canParse(url)) {
    throw new LaunchError(
      "CLICKHOUSE_URL must be an http(s) URL such as http://127.0.0.1:8123 — or unset it to use embedded ClickHouse",
    );
  }
  const ping = new URL("/ping", url);
  ping.username = "";
  ping.password = "";
  try {
    const response = await fetch(ping, { signal: AbortSignal.timeout(3_000) });
    if (response.ok) return;
    throw new Error(`HTTP ${response.status}`);
  } catch {
    throw new LaunchError(`Lumen cannot reach ClickHouse at ${where} (CLICKHOUSE_URL) — ${advice}`);
  }
}
