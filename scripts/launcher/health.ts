import { setTimeout as sleep } from "node:timers/promises";
import { LaunchError } from "./errors";

const POLL_MS = 200;

/**
 * Waits until every URL answers 200 { "status": "ok" }. Throws a LaunchError naming the first
 * component still silent at the deadline. `signal` stops the wait early (a child died, Ctrl-C).
 */
export async function waitForHealthy({
  targets,
  timeoutMs,
  signal,
}: {
  targets: readonly { name: string; healthUrl: string }[];
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(targets);
  while (pending.size > 0) {
    signal?.throwIfAborted();
    for (const target of [...pending]) {
      if (await isHealthy(target.healthUrl)) pending.delete(target);
    }
    if (pending.size === 0) return;
    if (Date.now() >= deadline) {
      const [first] = pending;
      throw new LaunchError(
        `${first!.name} did not answer ${first!.healthUrl} within ${Math.round(timeoutMs / 1000)} s — see its output above; stopping everything`,
      );
    }
    await sleep(POLL_MS, undefined, { signal }).catch(() => {});
  }
}

export async function isHealthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    const body = (await response.json()) as { status?: unknown };
    return response.ok && body.status === "ok";
  } catch {
    return false;
  }
}
