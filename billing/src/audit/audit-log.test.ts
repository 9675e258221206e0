import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBilling, type TestBilling } from "../../../test/support/billing";
import { GENESIS_HASH, hashAuditEntry } from "./audit-log";

let billing: TestBilling;
beforeAll(async () => {
  billing = await startTestBilling();
});
afterAll(async () => {
  await billing.close();
});

describe("the audit log", () => {
  it("chains each entry to the previous one's hash", () => {
    const entry = {
      env: "test" as const,
      at: new Date("2026-01-01T00:00:00Z"),
      keyId: "key_1",
      method: "POST",
      path: "/v1/customers",
      status: 200,
      requestId: "req_1",
      bodyHash: null,
    };
    const first = hashAuditEntry(entry, GENESIS_HASH);
    expect(hashAuditEntry(entry, first)).not.toBe(first);
    expect(hashAuditEntry({ ...entry, status: 201 }, GENESIS_HASH)).not.toBe(first);
  });

  it("records every write with its key, not reads or rejected writes", async () => {
    await billing.request({ method: "POST", url: "/v1/customers", body: { id: "audited" } });
    await billing.request({ method: "PATCH", url: "/v1/customers/audited", body: { name: "A" } });
    await billing.request({ method: "GET", url: "/v1/customers/audited" });
    await billing.request({ method: "POST", url: "/v1/customers", body: { id: "" } });
    const log = await billing.request({ method: "GET", url: "/v1/audit-log" });
    expect(log.body.data.map((e: { method: string; path: string }) => `${e.method} ${e.path}`)).toEqual([
      "POST /v1/customers",
      "PATCH /v1/customers/audited",
    ]);
    expect(log.body.data[0].keyId).toMatch(/^key_/);
    expect(log.body.data[1].prevHash).toBe(log.body.data[0].hash);
    expect((await billing.request({ method: "GET", url: "/v1/audit-log/verify" })).body).toEqual({
      valid: true,
      checked: 2,
      brokenAt: null,
    });
  });

  it("detects a tampered row", async () => {
    await billing.request({ method: "POST", url: "/v1/customers", body: { id: "audited-2" } });
    const { rows } = await billing.database.pool.query<{ seq: number }>(
      "SELECT seq FROM audit_log WHERE env = 'test' ORDER BY seq LIMIT 1 OFFSET 1",
    );
    await billing.database.pool.query("UPDATE audit_log SET path = '/v1/innocent' WHERE seq = $1", [rows[0]!.seq]);
    const verification = await billing.request({ method: "GET", url: "/v1/audit-log/verify" });
    expect(verification.body.valid).toBe(false);
    expect(verification.body.brokenAt).toBe(rows[0]!.seq);
  });
});
