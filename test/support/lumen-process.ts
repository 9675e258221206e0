import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { testNatsPrefix } from "./nats-prefix";
import { freePorts } from "./ports";

const ROOT = resolve(import.meta.dirname, "../..");

export interface RunningLumen {
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Runs `npm start` as the README says, and waits for its summary. */
export async function startLumen(env: Record<string, string>): Promise<RunningLumen> {
  const child = spawn("npm", ["start"], { cwd: ROOT, env: { ...process.env, ...env }, detached: true });
  let output = "";
  child.stdout?.on("data", (chunk) => {
    output += chunk;
  });
  child.stderr?.on("data", (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  const deadline = Date.now() + 60_000;
  while (!output.includes("Press Ctrl-C to stop.")) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not come up:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    process: child,
    output: () => output,
    async stop() {
      // Ctrl-C in a terminal signals the whole foreground process group.
      if (child.pid) process.kill(-child.pid, "SIGINT");
      const stopDeadline = Date.now() + 20_000;
      while (!output.includes("Lumen stopped.") && Date.now() < stopDeadline) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    },
  };
}

/** Settings of a fresh `npm start`: free ports, a database and a NATS prefix of its own, a data directory. */
export async function freshLumenEnvironment(): Promise<{ env: Record<string, string>; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), "lumen-e2e-"));
  const [api, ingest, sidecar, aggregator] = await freePorts(4);
  const run = process.env.LUMEN_TEST_RUN ?? "tlocal";
  return {
    dataDir,
    env: {
      LUMEN_API_PORT: String(api),
      LUMEN_INGEST_PORT: String(ingest),
      LUMEN_SIDECAR_PORT: String(sidecar),
      LUMEN_AGGREGATOR_PORT: String(aggregator),
      // The launcher creates this database; the global teardown drops it.
      DATABASE_URL: `postgres://postgres@127.0.0.1:5432/lumen_${run}_e2e${randomBytes(3).toString("hex")}`,
      LUMEN_DATA_DIR: dataDir,
      LUMEN_NATS_PREFIX: testNatsPrefix(),
      LUMEN_API_KEY: "",
    },
  };
}
