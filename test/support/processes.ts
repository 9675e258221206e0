import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "../..");

export interface Component {
  name: string;
  process: ChildProcess;
  output(): string;
  /** kill -9: no cleanup, no flush. */
  crash(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a component's main.ts as `npm start` does (node with tsx), and waits for its /healthz. */
export async function startComponent({
  name,
  env,
  healthUrl,
}: {
  name: "billing" | "ingest" | "aggregator" | "sidecar";
  env: Record<string, string>;
  healthUrl: string;
}): Promise<Component> {
  const child = spawn(process.execPath, ["--import", "tsx", `${ROOT}/${name}/src/main.ts`], {
    cwd: ROOT,
    env: { ...process.env, LUMEN_LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const exited = new Promise<void>((resolveExit) => child.once("exit", () => resolveExit()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited:\n${output}`);
    if (Date.now() > deadline) throw new Error(`${name} did not become healthy:\n${output}`);
    try {
      if ((await fetch(healthUrl)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    name,
    process: child,
    output: () => output,
    async crash() {
      child.kill("SIGKILL");
      await exited;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
