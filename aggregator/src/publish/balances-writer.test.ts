import { customerKey, decodeMessage, encodeMessage, pipelineNames, type UsageSnapshot } from "@lumen/core";
import { connectJetStream } from "@lumen/core/runtime";
import type { KV, NatsConnection } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { testNatsPrefix } from "../../../test/support/nats-prefix";
import { createBalancesWriter } from "./balances-writer";

let nats: NatsConnection;
let kv: KV;
const names = pipelineNames(testNatsPrefix());

beforeAll(async () => {
  nats = await connectJetStream({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "balances-writer" });
  kv = await nats.jetstream().views.kv(names.buckets.balances, { history: 1 });
});
afterAll(async () => {
  await (await nats.jetstreamManager()).streams.delete(`KV_${names.buckets.balances}`).catch(() => {});
  await nats.drain();
});

const snapshot = (seq: number, value: number): UsageSnapshot => ({
  env: "live",
  customer: "acme",
  partition: 3,
  seq,
  asOf: seq,
  counters: [{ feature: "api-calls", entity: null, periodStart: 0, periodEnd: null, value }],
});

async function stored(): Promise<UsageSnapshot> {
  const entry = await kv.get(customerKey("live", "acme"));
  return decodeMessage<UsageSnapshot>(entry!.value);
}

describe("the balances writer", () => {
  it("never lets an older snapshot replace a newer one, whoever wrote it", async () => {
    const owner = createBalancesWriter(kv);
    const previousOwner = createBalancesWriter(kv);
    const key = customerKey("live", "acme");
    await owner.put(key, snapshot(10, 5), encodeMessage(snapshot(10, 5)));
    await previousOwner.put(key, snapshot(7, 3), encodeMessage(snapshot(7, 3)));
    expect((await stored()).seq).toBe(10);
    await owner.put(key, snapshot(12, 6), encodeMessage(snapshot(12, 6)));
    expect(await stored()).toMatchObject({ seq: 12, counters: [{ value: 6 }] });
    await previousOwner.put(key, snapshot(15, 9), encodeMessage(snapshot(15, 9)));
    await owner.put(key, snapshot(13, 7), encodeMessage(snapshot(13, 7)));
    expect((await stored()).seq).toBe(15);
  });
});
