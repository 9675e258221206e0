import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBilling, type TestBilling } from "../../../test/support/billing";

let billing: TestBilling;
beforeAll(async () => {
  billing = await startTestBilling();
});
afterAll(async () => {
  await billing.close();
});

describe("a write, its audit entry and its stored answer", () => {
  it("commit together: when the audit entry cannot be written, the write does not happen and a retry runs", async () => {
    await billing.database.pool.query(`
      CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'audit unavailable'; END $$;
      CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_log FOR EACH ROW EXECUTE FUNCTION refuse_audit();
    `);
    const headers = { "idempotency-key": "atomic-1" };
    const failed = await billing.request({ method: "POST", url: "/v1/customers", body: { id: "atomic" }, headers });
    expect(failed.status).toBe(500);
    expect((await billing.request({ method: "GET", url: "/v1/customers/atomic" })).status).toBe(404);
    const { rows: history } = await billing.database.pool.query("SELECT 1 FROM history WHERE object_id = 'atomic'");
    expect(history).toHaveLength(0);

    await billing.database.pool.query("DROP TRIGGER refuse_audit ON audit_log");
    const retried = await billing.request({ method: "POST", url: "/v1/customers", body: { id: "atomic" }, headers });
    expect(retried.status).toBe(200);
    expect(retried.headers["idempotent-replayed"]).toBeUndefined();
    const log = await billing.request({ method: "GET", url: "/v1/audit-log" });
    expect(log.body.data.map((entry: { path: string }) => entry.path)).toEqual(["/v1/customers"]);
  });
});
