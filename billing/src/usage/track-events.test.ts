import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestBilling, type TestBilling } from "../../../test/support/billing";
import { startTestPipeline, type TestPipeline } from "../../../test/support/pipeline";

let pipeline: TestPipeline;
let billing: TestBilling;
beforeAll(async () => {
  pipeline = await startTestPipeline();
  billing = await startTestBilling({ pipeline: pipeline.client });
});
afterAll(async () => {
  await billing.close();
  await pipeline.close();
});

describe("track through the billing API", () => {
  it("answers 202 once the event is durable in the stream, stamped with the customer's clock time", async () => {
    const clock = (
      await billing.request({ method: "POST", url: "/v1/test-clocks", body: { frozenTime: "2026-03-01T12:00:00Z" } })
    ).body;
    await billing.request({ method: "POST", url: "/v1/customers", body: { id: "clocked", testClock: clock.id } });
    const response = await billing.request({
      method: "POST",
      url: "/v1/track",
      body: { customer: "clocked", event: "message", properties: { model: "gpt-5" }, idempotencyKey: "m1" },
    });
    expect(response.status).toBe(202);
    expect(response.body).toMatchObject({ id: expect.stringMatching(/^evt_/), duplicate: false, balances: [] });
    const stored = (await pipeline.readEvents()).find((event) => event.id === response.body.id);
    expect(stored).toMatchObject({
      env: "test",
      customer: "clocked",
      event: "message",
      value: 1,
      idempotencyKey: "m1",
      timestamp: Date.parse("2026-03-01T12:00:00Z"),
    });
  });

  it("rejects an invalid event with the field path and stores nothing", async () => {
    const before = (await pipeline.readEvents()).length;
    const response = await billing.request({
      method: "POST",
      url: "/v1/track",
      body: { customer: "acme", value: "x" },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(["feature", "value"]);
    expect((await pipeline.readEvents()).length).toBe(before);
  });

  it("accepts a batch, reporting bad events by index without rejecting the rest", async () => {
    const response = await billing.request({
      method: "POST",
      url: "/v1/events/batch",
      body: {
        events: [
          { customer: "acme", feature: "api-calls" },
          { customer: "acme" },
          { customer: "acme", feature: "api-calls", value: 2.5, entity: "user_1" },
          { customer: "acme", feature: "api-calls", timestamp: "2999-01-01T00:00:00Z" },
        ],
      },
    });
    expect(response.status).toBe(202);
    expect(response.body.accepted).toBe(2);
    expect(response.body.rejected.map((r: { index: number }) => r.index)).toEqual([1, 3]);
    expect(response.body.rejected[0].error.details[0].path).toBe("feature");
    const values = (await pipeline.readEvents()).filter((e) => e.customer === "acme").map((e) => e.value);
    expect(values).toEqual([1, 2.5]);
  });

  it("refuses a batch of more than 1000 events", async () => {
    const events = Array.from({ length: 1001 }, () => ({ customer: "acme", feature: "api-calls" }));
    const response = await billing.request({ method: "POST", url: "/v1/events/batch", body: { events } });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0].path).toBe("events");
  });
});
