import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { connect, createServer, type Server } from "node:net";
import { readConfig } from "@lumen/core";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { checkClickHouse } from "./clickhouse";
import { describeComponents } from "./components";
import { LaunchError } from "./errors";
import { checkNats } from "./nats";
import { checkPorts, findFreePort } from "./ports";
import { ensureDatabase, quoteIdentifier } from "./postgres";
import { runPreflight } from "./preflight";

const NATS_URL = process.env.NATS_URL ?? "nats://127.0.0.1:4222";
const DATABASE_URL = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/lumen";

/** The rejection of `promise`, asserted to be a LaunchError of one line without a stack. */
async function oneLineFailure(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => expect.fail("expected a failure"),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LaunchError);
  const message = (error as LaunchError).message;
  expect(message).not.toMatch(/\n/);
  expect(message).not.toMatch(/\bat .*:\d+:\d+/);
  return message;
}

describe("PostgreSQL preflight", () => {
  it("says what to install or set when nothing listens", async () => {
    const message = await oneLineFailure(ensureDatabase("postgres://postgres@127.0.0.1:1/lumen"));
    expect(message).toBe(
      "Lumen needs PostgreSQL at 127.0.0.1:1 — install and start it (apt-get install postgresql) or set DATABASE_URL",
    );
  });

  it("never shows the password of DATABASE_URL", async () => {
    const message = await oneLineFailure(ensureDatabase("postgres://postgres:hunter2@127.0.0.1:1/lumen"));
    expect(message).not.toContain("hunter2");
  });

  it("asks for a postgres:// URL when DATABASE_URL is not one", async () => {
    const message = await oneLineFailure(ensureDatabase("localhost:5432"));
    expect(message).toBe("DATABASE_URL must be a postgres:// URL such as postgres://postgres@127.0.0.1:5432/lumen");
  });

  describe("against the machine's PostgreSQL", () => {
    // A quote in the name proves the identifier is quoted, not pasted.
    const database = `lumen_preflight_${process.pid}_${Date.now()}"q`;
    const url = new URL(DATABASE_URL);
    url.pathname = `/${encodeURIComponent(database)}`;

    afterAll(async () => {
      const admin = new URL(DATABASE_URL);
      admin.pathname = "/postgres";
      const client = new pg.Client({ connectionString: admin.toString() });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${quoteIdentifier(database)}`);
      await client.end();
    });

    it("creates a missing database once, then finds it", async () => {
      expect(await ensureDatabase(url.toString())).toEqual({ created: true });
      expect(await ensureDatabase(url.toString())).toEqual({ created: false });
    });
  });
});

describe("NATS preflight", () => {
  it("says what to install or set when nothing listens", async () => {
    const message = await oneLineFailure(checkNats("nats://127.0.0.1:1"));
    expect(message).toBe(
      "Lumen needs NATS with JetStream at 127.0.0.1:1 — install and start it (apt-get install nats-server, then nats-server -js) or set NATS_URL",
    );
  });

  it("passes against the machine's NATS", async () => {
    await expect(checkNats(NATS_URL)).resolves.toBeUndefined();
  });

  describe.skipIf(!existsSync("/usr/sbin/nats-server"))("a NATS without JetStream", () => {
    let server: ChildProcess | undefined;
    afterAll(() => {
      server?.kill("SIGTERM");
    });

    it("says to enable JetStream", async () => {
      const port = await findFreePort();
      server = spawn("/usr/sbin/nats-server", ["-a", "127.0.0.1", "-p", String(port)], { stdio: "ignore" });
      await waitForPort(port);
      const message = await oneLineFailure(checkNats(`nats://127.0.0.1:${port}`));
      expect(message).toMatch(/^NATS at 127\.0\.0\.1:\d+ has JetStream disabled — restart nats-server with -js/);
    });
  });
});

describe("ClickHouse preflight", () => {
  it("names the variable and the way back to embedded ClickHouse", async () => {
    const message = await oneLineFailure(checkClickHouse("http://user:secret@127.0.0.1:1"));
    expect(message).toBe(
      "Lumen cannot reach ClickHouse at 127.0.0.1:1 (CLICKHOUSE_URL) — start it, fix CLICKHOUSE_URL, or unset CLICKHOUSE_URL to use embedded ClickHouse",
    );
  });
});

describe("ClickHouse URL", () => {
  it("must be http(s)", async () => {
    const message = await oneLineFailure(checkClickHouse("tcp://127.0.0.1:9000"));
    expect(message).toMatch(/^CLICKHOUSE_URL must be an http\(s\) URL/);
  });
});

describe("port preflight", () => {
  let holder: Server | undefined;
  afterAll(() => holder?.close());

  it("names the variable of a port in use", async () => {
    const port = await findFreePort();
    holder = createServer().listen(port, "127.0.0.1");
    await waitForPort(port);
    const components = describeComponents(
      readConfig({ LUMEN_HOST: "127.0.0.1", LUMEN_INGEST_PORT: String(port) }),
      "/",
    );
    const message = await oneLineFailure(checkPorts(components.filter((c) => c.name === "ingest")));
    expect(message).toBe(
      `Port ${port} on 127.0.0.1 is in use (LUMEN_INGEST_PORT) — stop what uses it or set LUMEN_INGEST_PORT`,
    );
  });

  it("refuses two components on one port", async () => {
    const components = describeComponents(readConfig({ LUMEN_SIDECAR_PORT: "8080" }), "/");
    const message = await oneLineFailure(checkPorts(components));
    expect(message).toBe("LUMEN_API_PORT and LUMEN_SIDECAR_PORT are both 8080 — give each component its own port");
  });
});

describe("runPreflight", () => {
  it("reports each missing service on its own line", async () => {
    const ports = await Promise.all([findFreePort(), findFreePort(), findFreePort(), findFreePort()]);
    const config = readConfig({
      DATABASE_URL: "postgres://postgres@127.0.0.1:1/lumen",
      NATS_URL: "nats://127.0.0.1:1",
      LUMEN_HOST: "127.0.0.1",
      LUMEN_API_PORT: String(ports[0]),
      LUMEN_INGEST_PORT: String(ports[1]),
      LUMEN_SIDECAR_PORT: String(ports[2]),
      LUMEN_AGGREGATOR_PORT: String(ports[3]),
    });
    const problems = await runPreflight(config, describeComponents(config, "/"));
    expect(problems).toEqual([
      expect.stringMatching(/^Lumen needs PostgreSQL at 127\.0\.0\.1:1 — /),
      expect.stringMatching(/^Lumen needs NATS with JetStream at 127\.0\.0\.1:1 — /),
    ]);
  });
});

async function waitForPort(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on ${port}`);
}
