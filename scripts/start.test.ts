import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { findFreePort } from "./launcher/ports";

const root = resolve(import.meta.dirname, "..");

/** Runs `scripts/start.ts` as `npm start` does (tsx), with the given environment on top of ours. */
function runStart(env: NodeJS.ProcessEnv) {
  const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A database that always exists, so that no run creates one as a side effect. */
function existingDatabase(): string {
  const url = new URL(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/lumen");
  url.pathname = "/postgres";
  return url.toString();
}

async function freePorts(): Promise<NodeJS.ProcessEnv> {
  const [api, ingest, sidecar, aggregator] = await Promise.all([1, 2, 3, 4].map(() => findFreePort()));
  return {
    LUMEN_HOST: "127.0.0.1",
    LUMEN_API_PORT: String(api),
    LUMEN_INGEST_PORT: String(ingest),
    LUMEN_SIDECAR_PORT: String(sidecar),
    LUMEN_AGGREGATOR_PORT: String(aggregator),
    CLICKHOUSE_URL: "",
  };
}

describe("npm start without its services", () => {
  it("prints one line for a missing PostgreSQL and exits 1", async () => {
    const result = runStart({ ...(await freePorts()), DATABASE_URL: "postgres://postgres@127.0.0.1:1/lumen" });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "Lumen needs PostgreSQL at 127.0.0.1:1 — install and start it (apt-get install postgresql) or set DATABASE_URL\n",
    );
  });

  it("prints one line for a missing NATS and exits 1", async () => {
    const result = runStart({
      ...(await freePorts()),
      DATABASE_URL: existingDatabase(),
      NATS_URL: "nats://127.0.0.1:1",
    });
    expect(result.status).toBe(1);
    expect(result.stdout).toBe("");
    expect(result.stderr).toBe(
      "Lumen needs NATS with JetStream at 127.0.0.1:1 — install and start it (apt-get install nats-server, then nats-server -js) or set NATS_URL\n",
    );
  });

  it("prints one line for an invalid port and exits 1", () => {
    const result = runStart({ LUMEN_SIDECAR_PORT: "70000" });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("LUMEN_SIDECAR_PORT must be a port number from 1 to 65535, got '70000'\n");
  });
});
