import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { Component, ComponentName } from "./components";
import { isHealthy } from "./health";
import { findFreePort } from "./ports";
import { launch } from "./run";

const root = resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(join(tmpdir(), "lumen-launcher-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface FakeBehaviour {
  /** A line written to stdout before listening. */
  line?: string;
  /** Exit with this code this long after becoming healthy. */
  exitAfterMs?: { ms: number; code: number };
  /** Never listen. */
  silent?: boolean;
  /** Ignore SIGTERM (the launcher must SIGKILL it). */
  stubborn?: boolean;
}

/** A stand-in component: a tiny node:http server answering /healthz, scripted to misbehave. */
async function fakeComponent(name: ComponentName, behaviour: FakeBehaviour = {}): Promise<Component> {
  const port = await findFreePort();
  const entry = join(dir, `${name}-${port}.mjs`);
  writeFileSync(
    entry,
    `
import { createServer } from "node:http";
${behaviour.line ? `console.log(${JSON.stringify(behaviour.line)});` : ""}
${behaviour.stubborn ? `process.on("SIGTERM", () => console.log("ignoring SIGTERM"));` : `process.on("SIGTERM", () => { console.log("stopped"); process.exit(0); });`}
${
  behaviour.silent
    ? "setInterval(() => {}, 1000);"
    : `createServer((req, res) => res.end(JSON.stringify({ status: "ok" }))).listen(${port}, "127.0.0.1", () => {
  console.log("listening");
  ${behaviour.exitAfterMs ? `setTimeout(() => process.exit(${behaviour.exitAfterMs.code}), ${behaviour.exitAfterMs.ms});` : ""}
});`
}
`,
  );
  const healthUrl = `http://127.0.0.1:${port}/healthz`;
  return { name, entry, listen: { host: "127.0.0.1", port, variable: "X" }, healthUrl, address: healthUrl };
}

class Collector {
  text = "";
  write(chunk: string) {
    this.text += chunk;
  }
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function start(components: Component[], options: { env?: NodeJS.ProcessEnv; healthTimeoutMs?: number } = {}) {
  const out = new Collector();
  const err = new Collector();
  const stop = new AbortController();
  const exitCode = launch({
    root,
    env: { LUMEN_LOG_LEVEL: "warn", ...options.env },
    out,
    err,
    components: () => components,
    preflight: async () => [],
    healthTimeoutMs: options.healthTimeoutMs,
    killAfterMs: 1_000,
    stop: stop.signal,
  });
  return { out, err, stop, exitCode };
}

const keyLine = JSON.stringify({
  level: 30,
  bootstrapKeys: { test: "lum_sk_test_AAAA", live: "lum_sk_live_BBBB" },
  msg: "bootstrap keys created",
});

describe("launch", () => {
  it("starts every component, prints addresses and the bootstrap keys, and stops them all", async () => {
    const components = [await fakeComponent("billing", { line: keyLine }), await fakeComponent("ingest")];
    const { out, err, stop, exitCode } = start(components);
    await until(() => out.text.includes("Press Ctrl-C to stop."));

    expect(out.text).toContain("billing | listening");
    expect(out.text).toContain("ingest  | listening");
    expect(out.text).toContain(`billing API  ${components[0]!.address}`);
    expect(out.text).toContain("printed once — save them; set LUMEN_API_KEY to use known keys");
    expect(out.text).toContain("  test  lum_sk_test_AAAA");
    expect(out.text).toContain("  live  lum_sk_live_BBBB");

    stop.abort();
    expect(await exitCode).toBe(0);
    expect(out.text).toContain("billing | stopped");
    expect(out.text).toContain("ingest  | stopped");
    expect(err.text).toBe("");
    for (const component of components) expect(await isHealthy(component.healthUrl)).toBe(false);
  });

  it("says where keys come from on later starts, and masks LUMEN_API_KEY", async () => {
    const components = [await fakeComponent("billing")];
    const first = start(components);
    await until(() => first.out.text.includes("Press Ctrl-C to stop."));
    expect(first.out.text).toContain("the bootstrap keys were created and printed on the first start");
    expect(first.out.text).toContain("LUMEN_API_KEY");
    first.stop.abort();
    expect(await first.exitCode).toBe(0);

    const second = start(components, { env: { LUMEN_API_KEY: "lum_sk_test_secret1,lum_sk_live_secret2" } });
    await until(() => second.out.text.includes("Press Ctrl-C to stop."));
    expect(second.out.text).toContain("API keys from LUMEN_API_KEY: lum_sk_test_…, lum_sk_live_…");
    expect(second.out.text).not.toContain("secret1");
    expect(second.out.text).not.toContain("created and printed on the first start");
    second.stop.abort();
    expect(await second.exitCode).toBe(0);
  });

  it("stops the others and exits non-zero when one component dies", async () => {
    const survivor = await fakeComponent("billing");
    const components = [survivor, await fakeComponent("ingest", { exitAfterMs: { ms: 1_500, code: 3 } })];
    const { out, err, exitCode } = start(components);
    expect(await exitCode).toBe(1);
    expect(err.text).toContain("ingest exited with code 3; stopping the others");
    expect(out.text).toContain("billing | stopped");
    expect(await isHealthy(survivor.healthUrl)).toBe(false);
  });

  it("gives up on a component that never becomes healthy and stops everything", async () => {
    const components = [await fakeComponent("billing"), await fakeComponent("sidecar", { silent: true })];
    const { out, err, exitCode } = start(components, { healthTimeoutMs: 1_500 });
    expect(await exitCode).toBe(1);
    expect(err.text).toBe(
      `sidecar did not answer ${components[1]!.healthUrl} within 2 s — see its output above; stopping everything\n`,
    );
    expect(out.text).not.toContain("Lumen is running");
    expect(out.text).toContain("billing | stopped");
  });

  it("kills a component that ignores SIGTERM after the grace period", async () => {
    const components = [await fakeComponent("aggregator", { stubborn: true })];
    const { out, stop, exitCode } = start(components);
    await until(() => out.text.includes("Press Ctrl-C to stop."));
    stop.abort();
    expect(await exitCode).toBe(0);
    expect(out.text).toContain("aggregator | ignoring SIGTERM");
    expect(await isHealthy(components[0]!.healthUrl)).toBe(false);
  });

  it("refuses an invalid configuration in one line naming the variable", async () => {
    const err = new Collector();
    const exitCode = await launch({ root, env: { LUMEN_API_PORT: "http" }, out: new Collector(), err });
    expect(exitCode).toBe(1);
    expect(err.text).toBe("LUMEN_API_PORT must be a port number from 1 to 65535, got 'http'\n");
  });
});
