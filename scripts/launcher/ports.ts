import { createServer } from "node:net";
import type { Component } from "./components";
import { LaunchError } from "./errors";

/** Checks that no two components share a port and that each port is free to bind. */
export async function checkPorts(components: readonly Component[]): Promise<void> {
  const seen = new Map<number, string>();
  for (const { listen } of components) {
    const other = seen.get(listen.port);
    if (other) {
      throw new LaunchError(
        `${other} and ${listen.variable} are both ${listen.port} — give each component its own port`,
      );
    }
    seen.set(listen.port, listen.variable);
  }
  for (const { listen } of components) {
    const problem = await probePort(listen.host, listen.port);
    if (problem === "EADDRINUSE") {
      throw new LaunchError(
        `Port ${listen.port} on ${listen.host} is in use (${listen.variable}) — stop what uses it or set ${listen.variable}`,
      );
    }
    if (problem) {
      throw new LaunchError(
        `Cannot listen on ${listen.host}:${listen.port} (${problem}) — check LUMEN_HOST and ${listen.variable}`,
      );
    }
  }
}

/** Binds and releases host:port; undefined when free, else the error code. */
export function probePort(host: string, port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(undefined)));
  });
}

/** A port the OS considers free right now (tests). */
export function findFreePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, host, () => {
      const address = probe.address();
      probe.close(() => (address && typeof address === "object" ? resolve(address.port) : reject()));
    });
  });
}
