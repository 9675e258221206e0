import type { Logger } from "pino";

/**
 * Runs `stop` once on SIGTERM or SIGINT, then exits. The launcher sends SIGKILL after 10 s,
 * so a stop that hangs is cut short before that with a non-zero exit.
 */
export function stopOnSignals({
  logger,
  stop,
  timeoutMs = 8_000,
}: {
  logger: Logger;
  stop: () => Promise<void>;
  timeoutMs?: number;
}): { readonly stopping: boolean } {
  const state = { stopping: false };
  const onSignal = (signal: NodeJS.Signals) => {
    if (state.stopping) return;
    state.stopping = true;
    logger.info({ signal }, "stopping");
    setTimeout(() => {
      logger.error({ timeoutMs }, "stop timed out");
      process.exit(1);
    }, timeoutMs).unref();
    stop().then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  return state;
}
