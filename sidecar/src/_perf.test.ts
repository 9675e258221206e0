import { periodOfSchedule } from "@lumen/core";
import { aCustomerDefinition, anEntitlement } from "@lumen/core/testing";
import { it } from "vitest";
import { startSidecarFixture } from "./testing/sidecar-fixture";

it("perf", async () => {
  const f = await startSidecarFixture();
  const monthly = { interval: "month" as const, anchor: "2026-01-01T00:00:00.000Z" };
  await f.putDefinition(
    aCustomerDefinition({ features: { messages: anEntitlement({ reset: monthly, included: 1000 }) } }),
  );
  const { start, end } = periodOfSchedule(monthly, Date.now());
  await f.putSnapshot({
    env: "test",
    customer: "acme",
    partition: 0,
    seq: 1,
    asOf: Date.now(),
    counters: [{ feature: "messages", entity: null, periodStart: start, periodEnd: end, value: 10 }],
    ledgers: [],
  });
  await f.post("/v1/check", { customer: "acme", feature: "messages" });
  const sidecar = f.running.sidecar;
  const body = { customer: "acme", feature: "messages", quantity: 1 };
  for (let round = 0; round < 3; round++) {
    const n = 200000;
    let t = performance.now();
    for (let i = 0; i < n; i++) sidecar.handle({ method: "POST", path: "/v1/check", body });
    console.log("handle", (((performance.now() - t) / n) * 1000).toFixed(2), "µs");
    t = performance.now();
    for (let i = 0; i < n; i++)
      JSON.stringify(
        sidecar.handle({
          method: "POST",
          path: "/v1/check",
          body: JSON.parse('{"customer":"acme","feature":"messages","quantity":1}'),
        }),
      );
    console.log("parse+handle+stringify", (((performance.now() - t) / n) * 1000).toFixed(2), "µs");
  }
  await f.dispose();
});
