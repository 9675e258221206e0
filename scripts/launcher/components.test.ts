import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { testNatsPrefix } from "../../test/support/nats-prefix";
import { describeComponents } from "./components";
import { isHealthy } from "./health";
import { findFreePort } from "./ports";
import { launch } from "./run";

const root = resolve(import.meta.dirname, "../..");

// The real ingest, aggregator and sidecar mains, run as `npm start` runs them (billing has its own tests).
describe("the component mains under the launcher", () => {
  const dataDir = mkdtempSync(join(tmpdir(), "lumen-components-"));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it("connect, answer /healthz, and exit cleanly on SIGTERM", async () => {
    const [ingestPort, sidecarPort, aggregatorPort] = await Promise.all([
      findFreePort(),
      findFreePort(),
      findFreePort(),
    ]);
    const out = { text: "", write: (chunk: string) => (out.text += chunk) };
    const err = { text: "", write: (chunk: string) => (err.text += chunk) };
    const stop = new AbortController();
    const exitCode = launch({
      root,
      env: {
        ...process.env,
        LUMEN_HOST: "127.0.0.1",
        LUMEN_INGEST_PORT: String(ingestPort),
        LUMEN_SIDECAR_PORT: String(sidecarPort),
        LUMEN_AGGREGATOR_PORT: String(aggregatorPort),
        LUMEN_DATA_DIR: dataDir,
        // The run-scoped prefix: the global teardown removes the stream and buckets the components create.
        LUMEN_NATS_PREFIX: testNatsPrefix(),
        CLICKHOUSE_URL: "",
      },
      out,
      err,
      components: (config) => describeComponents(config, root).filter((component) => component.name !== "billing"),
      preflight: async () => [],
      stop: stop.signal,
    });
    const deadline = Date.now() + 30_000;
    while (!out.text.includes("Press Ctrl-C to stop.") && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(out.text).toContain("Lumen is running.");
    for (const [component, port] of [
      ["ingest", ingestPort],
      ["sidecar", sidecarPort],
      ["aggregator", aggregatorPort],
    ] as const) {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(await response.json()).toEqual({ status: "ok", component });
    }
    expect(out.text).toContain(`embedded (chDB) in ${dataDir}/clickhouse`);

    stop.abort();
    expect(await exitCode).toBe(0);
    for (const name of ["ingest", "sidecar", "aggregator"]) {
      expect(out.text).toMatch(new RegExp(`${name} +\\| \\{.*"msg":"stopped"`));
    }
    expect(await isHealthy(`http://127.0.0.1:${ingestPort}/healthz`)).toBe(false);
    expect(err.text).toBe("");
  });
});
