import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { type LumenConfig, readConfig } from "@lumen/core";
import { type Component, childEnvironment, describeComponents } from "./components";
import { describeFailure } from "./errors";
import { waitForHealthy } from "./health";
import { type BootstrapKeys, parseBootstrapKeys } from "./keys";
import { runPreflight } from "./preflight";
import { formatKeys, formatSummary } from "./summary";
import { type ChildExit, createSupervisor, type Output } from "./supervisor";

export interface LaunchOptions {
  /** The repository root: the children run from there. */
  root: string;
  env?: NodeJS.ProcessEnv;
  out?: Output;
  err?: Output;
  /** Replaces the four real components (tests). */
  components?: (config: LumenConfig) => Component[];
  /** Replaces the service checks (tests that bring their own components). */
  preflight?: (config: LumenConfig, components: readonly Component[]) => Promise<string[]>;
  healthTimeoutMs?: number;
  killAfterMs?: number;
  /** Aborting it stops everything as Ctrl-C does; SIGINT and SIGTERM are always watched. */
  stop?: AbortSignal;
}

/** `npm start`: checks the services, runs the components, prints the summary; resolves with the exit code. */
export async function launch(options: LaunchOptions): Promise<number> {
  const { root, env = process.env, out = process.stdout, err = process.stderr } = options;
  let config: LumenConfig;
  try {
    config = readConfig(env);
  } catch (error) {
    err.write(`${describeFailure(error)}\n`);
    return 1;
  }
  const components = options.components?.(config) ?? describeComponents(config, root);
  const problems = await (options.preflight ?? runPreflight)(config, components);
  if (problems.length > 0) {
    err.write(problems.map((problem) => `${problem}\n`).join(""));
    return 1;
  }

  let bootstrapKeys: BootstrapKeys | undefined;
  let summaryPrinted = false;
  const supervisor = createSupervisor({
    out,
    err,
    killAfterMs: options.killAfterMs,
    onLine: (name, line) => {
      if (name !== "billing" || bootstrapKeys) return;
      bootstrapKeys = parseBootstrapKeys(line);
      // Keys that come after the summary are still shown, never lost.
      if (bootstrapKeys && summaryPrinted) out.write(`\n${formatKeys(bootstrapKeys, []).join("\n")}\n\n`);
    },
  });
  const stopRequested = watchStopRequests(options.stop, () => supervisor.killAll());
  const killOnExit = () => supervisor.killAll();
  process.once("exit", killOnExit);

  try {
    const childEnv = childEnvironment(config, env);
    for (const component of components) {
      supervisor.start({ name: component.name, entry: component.entry, env: childEnv, cwd: root });
    }
    const interrupted = new AbortController();
    const outcome = await Promise.race([
      waitForHealthy({
        targets: components,
        timeoutMs: options.healthTimeoutMs ?? 60_000,
        signal: interrupted.signal,
      }).then(
        () => ({ kind: "healthy" as const }),
        (error: unknown) => ({ kind: "failed" as const, message: describeFailure(error) }),
      ),
      supervisor.unexpectedExit.then((exit) => ({ kind: "died" as const, exit })),
      stopRequested.promise.then(() => ({ kind: "stop" as const })),
    ]);
    interrupted.abort();

    if (outcome.kind === "healthy") {
      await sleep(300); // billing's key line is written before it listens; let the pipe deliver it
      out.write(formatSummary({ components, config, dataDir: resolve(config.dataDir), bootstrapKeys }));
      summaryPrinted = true;
      const next = await Promise.race([
        supervisor.unexpectedExit.then((exit) => ({ kind: "died" as const, exit })),
        stopRequested.promise.then(() => ({ kind: "stop" as const })),
      ]);
      return await finish(next);
    }
    return await finish(outcome);
  } finally {
    stopRequested.dispose();
    process.off("exit", killOnExit);
  }

  async function finish(
    outcome: { kind: "died"; exit: ChildExit } | { kind: "failed"; message: string } | { kind: "stop" },
  ): Promise<number> {
    if (outcome.kind === "died") err.write(`${describeExit(outcome.exit)}; stopping the others\n`);
    if (outcome.kind === "failed") err.write(`${outcome.message}\n`);
    if (outcome.kind === "stop") out.write("Stopping Lumen…\n");
    await supervisor.stopAll();
    if (outcome.kind === "stop") out.write("Lumen stopped.\n");
    return outcome.kind === "stop" ? 0 : 1;
  }
}

function describeExit({ name, code, signal, error }: ChildExit): string {
  if (error) return `${name} could not be started (${error.message})`;
  return signal ? `${name} was killed by ${signal}` : `${name} exited with code ${code}`;
}

/** The first SIGINT/SIGTERM (or abort) asks for a clean stop; a second one kills at once. */
function watchStopRequests(stop: AbortSignal | undefined, killNow: () => void) {
  let requested = false;
  let resolveStop: () => void = () => {};
  const promise = new Promise<void>((resolve) => {
    resolveStop = resolve;
  });
  const onRequest = () => {
    if (requested) return killNow();
    requested = true;
    resolveStop();
  };
  process.on("SIGINT", onRequest);
  process.on("SIGTERM", onRequest);
  stop?.addEventListener("abort", onRequest, { once: true });
  if (stop?.aborted) onRequest();
  return {
    promise,
    dispose() {
      process.off("SIGINT", onRequest);
      process.off("SIGTERM", onRequest);
      stop?.removeEventListener("abort", onRequest);
    },
  };
}
