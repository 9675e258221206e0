import type { OwnerCheckReply } from "@lumen/core";
import { aCustomerDefinition, anEntitlement } from "@lumen/core/testing";
import { beforeEach, describe, expect, it } from "vitest";
import { type FakeOwner, fakeOwner } from "../testing/owner-fakes";
import { answerCheck } from "./check";
import { answerConsume } from "./consume";

describe("strict consume", () => {
  let fake: FakeOwner;

  beforeEach(() => {
    fake = fakeOwner();
    fake.define(aCustomerDefinition({ features: { "api-calls": anEntitlement({ included: 20 }) } }));
  });

  const consume = (fields: Record<string, unknown> = {}) =>
    answerConsume({
      ctx: fake.ctx,
      owner: fake.owner,
      request: { env: "test", customer: "acme", feature: "api-calls", entity: null, quantity: 1, ...fields },
    });
  const balance = async () =>
    (
      await answerCheck({
        ctx: fake.ctx,
        owner: fake.owner,
        request: { env: "test", customer: "acme", feature: "api-calls", entity: null, quantity: 0 },
      })
    ).result.balance;

  it("never allows more than the balance, however many consumes run at once", async () => {
    const answers = await Promise.all(Array.from({ length: 50 }, () => consume()));
    expect(answers.filter((answer) => answer.result.allowed)).toHaveLength(20);
    expect(fake.published).toHaveLength(20);
    expect(await balance()).toBe(0);
    // The counters take the events: their pending usage goes, so nothing counts twice.
    fake.apply(fake.published);
    expect(await balance()).toBe(0);
    expect((await consume()).result).toMatchObject({ allowed: false, used: 20, reason: "limit_reached" });
  });

  it("records an allowed consume as a usage event at the customer's time, with the caller's key", async () => {
    const reply = await consume({ quantity: 3, eventId: "evt_a", idempotencyKey: "key-a" });
    expect(reply).toMatchObject({ eventId: "evt_a", sequence: 1, at: Date.UTC(2026, 10, 15) });
    expect(reply.result).toMatchObject({ allowed: true, used: 3, balance: 17 });
    expect(fake.published).toEqual([
      expect.objectContaining({
        id: "evt_a",
        customer: "acme",
        feature: "api-calls",
        value: 3,
        timestamp: Date.UTC(2026, 10, 15),
        idempotencyKey: "key-a",
      }),
    ]);
    await consume({ eventId: "evt_b" });
    expect(fake.published[1]?.idempotencyKey).toBe("evt_b");
  });

  it("answers a retry with the first decision and records it once", async () => {
    const first = consume({ quantity: 15, eventId: "evt_same" });
    const retry = consume({ quantity: 15, eventId: "evt_same" });
    expect(await retry).toEqual(await first);
    const keyed = await consume({ quantity: 5, eventId: "evt_k1", idempotencyKey: "k" });
    expect(await consume({ quantity: 5, eventId: "evt_k2", idempotencyKey: "k" })).toEqual(keyed);
    expect(fake.published.map((event) => event.id)).toEqual(["evt_same", "evt_k1"]);
    // A denial is remembered by its event id too.
    const denied = await consume({ eventId: "evt_denied" });
    expect(denied.result.allowed).toBe(false);
    fake.apply(fake.published);
    expect(await consume({ eventId: "evt_denied" })).toEqual(denied);
  });

  it("answers unavailable when the stream does not confirm, and counts the usage until it is known not to be there", async () => {
    await consume({ eventId: "evt_first" });
    fake.failPublishes(1);
    await expect(consume({ quantity: 5, eventId: "evt_lost" })).rejects.toMatchObject({ code: "unavailable" });
    // It may have landed: it counts until the partition has applied what the stream held then.
    expect(await balance()).toBe(14);
    fake.apply(fake.published);
    await fake.tick();
    expect(await balance()).toBe(19);
    // A failed answer is not remembered: the retry is decided again, under the same idempotency key.
    expect((await consume({ quantity: 5, eventId: "evt_lost" })).result.allowed).toBe(true);
    expect(fake.published.at(-1)).toMatchObject({ id: "evt_lost", idempotencyKey: "evt_lost" });
  });

  it("counts an event the stream stored without confirming it once, when it arrives", async () => {
    fake.failPublishes(1, { landed: true });
    await expect(consume({ quantity: 5, eventId: "evt_landed" })).rejects.toMatchObject({ code: "unavailable" });
    expect(await balance()).toBe(15);
    fake.apply(fake.unconfirmed);
    await fake.tick();
    expect(await balance()).toBe(15);
  });

  it("answers allowed, recording nothing, when the retried consume's event is already counted", async () => {
    await consume({ quantity: 4, eventId: "evt_before_crash" });
    fake.apply(fake.published);
    // A new owner: nothing remembered but the counters (and the keys they counted).
    const fresh = fakeOwner();
    fresh.define(aCustomerDefinition({ features: { "api-calls": anEntitlement({ included: 4 }) } }));
    fresh.apply(fake.published);
    const retried = await answerConsume({
      ctx: fresh.ctx,
      owner: fresh.owner,
      request: {
        env: "test",
        customer: "acme",
        feature: "api-calls",
        entity: null,
        quantity: 4,
        eventId: "evt_before_crash",
      },
    });
    expect(retried).toMatchObject({ eventId: "evt_before_crash", result: { allowed: true, used: 4, balance: 0 } });
    expect(fresh.published).toHaveLength(0);
  });

  it("waits until the partition caught up, and answers unavailable if it does not in time", async () => {
    fake.owner.gate.open(3);
    const waiting = consume();
    await fake.tick();
    expect(fake.published).toHaveLength(0);
    fake.owner.gate.advance(3);
    expect((await waiting).result.allowed).toBe(true);
    await expect(consume({ appliedThrough: 100 })).rejects.toMatchObject({ code: "unavailable" });
  });

  it("does not answer allowed once the lease is gone", async () => {
    const answer = consume();
    fake.setHolds(false);
    await expect(answer).rejects.toMatchObject({ code: "unavailable" });
    await expect(consume()).rejects.toMatchObject({ code: "unavailable" });
  });

  it("decides in the customer's test-clock time", async () => {
    fake.define(
      aCustomerDefinition({ testClock: "clk_1", features: { "api-calls": anEntitlement({ included: 20 }) } }),
    );
    fake.setClock("clk_1", Date.UTC(2026, 1, 10));
    const reply: OwnerCheckReply = await consume();
    expect(reply.at).toBe(Date.UTC(2026, 1, 10));
    expect(reply.result.periodStart).toBe(Date.UTC(2026, 1, 1));
    expect(fake.published[0]?.timestamp).toBe(Date.UTC(2026, 1, 10));
  });
});
