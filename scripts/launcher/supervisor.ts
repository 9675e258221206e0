import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

export interface Output {
  write(text: string): unknown;
}

export interface ChildExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  error?: Error;
}

export interface Supervisor {
  /** Starts `node --import tsx <entry>` as a child named `name`. */
  start(child: { name: string; entry: string; env: NodeJS.ProcessEnv; cwd: string }): void;
  /** Resolves with the first child that exits while no stop was asked for. */
  readonly unexpectedExit: Promise<ChildExit>;
  /** SIGTERM to every child, SIGKILL to those still running after the grace period. */
  stopAll(): Promise<void>;
  /** SIGKILL to every child still running, synchronously (a second Ctrl-C, process exit). */
  killAll(): void;
}

interface Running {
  name: string;
  process: ChildProcess;
  exited: Promise<void>;
}

export function createSupervisor({
  out,
  err,
  onLine,
  killAfterMs = 10_000,
}: {
  out: Output;
  err: Output;
  /** Sees every line a child writes to stdout, before it is echoed. */
  onLine?: (name: string, line: string) => void;
  killAfterMs?: number;
}): Supervisor {
  const children: Running[] = [];
  let stopping = false;
  let width = 0;
  let reportUnexpected: (exit: ChildExit) => void = () => {};
  const unexpectedExit = new Promise<ChildExit>((resolve) => {
    reportUnexpected = resolve;
  });

  const echo = (name: string, stream: NodeJS.ReadableStream | null, to: Output, watch: boolean) => {
    if (!stream) return;
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
      if (watch) onLine?.(name, line);
      to.write(`${name.padEnd(width)} | ${line}\n`);
    });
  };

  return {
    unexpectedExit,
    start({ name, entry, env, cwd }) {
      width = Math.max(width, name.length);
      // Own process group: a Ctrl-C reaches only the launcher, which then stops each child in turn.
      const child = spawn(process.execPath, ["--import", "tsx", entry], {
        cwd,
        env,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true,
      });
      echo(name, child.stdout, out, true);
      echo(name, child.stderr, err, false);
      const exited = new Promise<void>((resolve) => {
        child.once("error", (error) => {
          if (!stopping) reportUnexpected({ name, code: null, signal: null, error });
          resolve();
        });
        child.once("exit", (code, signal) => {
          if (!stopping) reportUnexpected({ name, code, signal });
          resolve();
        });
      });
      children.push({ name, process: child, exited });
    },
    async stopAll() {
      stopping = true;
      await Promise.all(children.map((child) => stopChild(child, killAfterMs)));
    },
    killAll() {
      stopping = true;
      for (const child of children) signal(child.process, "SIGKILL");
    },
  };
}

async function stopChild(child: Running, killAfterMs: number): Promise<void> {
  if (!isRunning(child.process)) return;
  signal(child.process, "SIGTERM");
  const timer = setTimeout(() => signal(child.process, "SIGKILL"), killAfterMs);
  await child.exited;
  clearTimeout(timer);
}

function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

function signal(child: ChildProcess, name: NodeJS.Signals): void {
  if (!isRunning(child)) return;
  try {
    child.kill(name);
  } catch {
    // already gone
  }
}
