import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { customerKey, encodeMessage, periodOfSchedule, type ResetSchedule, type UsageSnapshot } from "@lumen/core";
import { connectJetStream } from "@lumen/core/runtime";
import { aCustomerDefinition, anEntitlement } from "@lumen/core/testing";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, type SidecarFixture, startSidecarFixture } from "../../sidecar/src/testing/sidecar-fixture";
import { freePorts } from "../support/ports";

const monthly: ResetSchedule = { interval: "month", anchor: "2026-01-01T00:00:00.000Z" };

function snapshot(seq: number, used: number): UsageSnapshot {
  const { start, end } = periodOfSchedule(monthly, Date.now());
  return {
    env: "test",
    customer: "acme",
    partition: 0,
    seq,
    asOf: Date.now(),
    counters: [{ feature: "messages", entity: null, periodStart: start, periodEnd: end, value: used }],
    ledgers: [],
  };
}

/** A NATS server of this test's own (JetStream on disk), so that restarting it disturbs no other test. */
function startNats(port: number, storeDir: string): Promise<ChildProcess> {
  const child = spawn("nats-server", ["-a", "127.0.0.1", "-p", String(port), "-js", "-sd", storeDir], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let output = "";
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Server is ready")) resolve(child);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`nats-server exited (${code}): ${output}`)));
  });
}

describe("a sidecar when NATS restarts", () => {
  const storeDir = mkdtempSync(join(tmpdir(), "lumen-nats-"));
  let server: ChildProcess | undefined;
  let fixture: SidecarFixture | undefined;
  afterAll(async () => {
    await fixture?.dispose().catch(() => {});
    server?.kill("SIGKILL");
    rmSync(storeDir, { recursive: true, force: true });
  });

  it("answers from its cache flagged stale, then resynchronises by itself", async () => {
    const [port] = await freePorts(1);
    const url = `nats://127.0.0.1:${port}`;
    server = await startNats(port!, storeDir);
    fixture = await startSidecarFixture({ natsUrl: url });
    await fixture.putDefinition(
      aCustomerDefinition({ features: { messages: anEntitlement({ reset: monthly, included: 100 }) } }),
    );
    await fixture.putSnapshot(snapshot(5, 10));
    const fresh = await fixture.post("/v1/check", { customer: "acme", feature: "messages" });
    expect(fresh.body).toMatchObject({ allowed: true, used: 10 });
    expect(fresh.body.stale).toBeUndefined();

    server.kill("SIGKILL");
    await eventually(
      () => fixture!.running.staleness.stale,
      (stale) => stale,
      10_000,
    );
    const stale = await fixture.post("/v1/check", { customer: "acme", feature: "messages" });
    expect(stale.status).toBe(200);
    expect(stale.body).toMatchObject({ allowed: true, used: 10, stale: true });
    expect(typeof stale.body.asOf).toBe("string");

    // While the sidecar is still away, the owner's balance moves on: only the KV has it (the push is missed).
    server = await startNats(port!, storeDir);
    const writer = await connectJetStream({ url, name: "owner-stand-in" });
    const balances = await writer.jetstream().views.kv(fixture.names.buckets.balances, { history: 1 });
    await balances.put(customerKey("test", "acme"), encodeMessage(snapshot(9, 100)));
    await writer.close();

    const resynced = await eventually(
      async () => (await fixture!.post("/v1/check", { customer: "acme", feature: "messages" })).body,
      (body) => body.used === 100 && body.stale === undefined,
      15_000,
    );
    expect(resynced).toMatchObject({ allowed: false, reason: "limit_reached", used: 100 });
    expect(resynced.stale).toBeUndefined();
  }, 60_000);
});
