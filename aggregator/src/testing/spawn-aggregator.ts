import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

const ENTRY = resolve(import.meta.dirname, "aggregator-process.ts");

export interface AggregatorProcess {
  process: ChildProcess;
  output(): string;
  /** kill -9: no cleanup, leases left to expire. */
  crash(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts `aggregator-process.ts` (node with tsx, as `npm start` runs components) and waits until it runs. */
export async function spawnAggregator(env: Record<string, string>): Promise<AggregatorProcess> {
  const child = spawn(process.execPath, ["--import", "tsx", ENTRY], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`the aggregator did not start:\n${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (output.includes("ready ")) {
        clearTimeout(timer);
        resolveReady();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk));
    child.once("exit", () => {
      clearTimeout(timer);
      reject(new Error(`the aggregator exited:\n${output}`));
    });
  });
  return {
    process: child,
    output: () => output,
    async crash() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
      await exited;
    },
  };
}
