import { aCustomerDefinition, anEntitlement } from "@lumen/core/testing";
import { beforeEach, describe, expect, it } from "vitest";
import { type FakeOwner, fakeOwner } from "../testing/owner-fakes";
import { answerCheck } from "./check";
import { answerCommit } from "./commit-reservation";
import { answerConsume } from "./consume";
import { expireReservations } from "./expire-reservations";
import { answerRelease } from "./release-reservation";
import { answerReserve } from "./reserve";

const NOW = Date.UTC(2026, 10, 15);

describe("reservations", () => {
  let fake: FakeOwner;

  beforeEach(() => {
    fake = fakeOwner({ now: NOW });
    fake.define(aCustomerDefinition({ features: { "api-calls": anEntitlement({ included: 100 }) } }));
  });

  const on = () => ({ ctx: fake.ctx, owner: fake.owner });
  const reserve = (id: string, quantity: number, ttlSeconds = 60) =>
    answerReserve({
      ...on(),
      request: { env: "test", customer: "acme", feature: "api-calls", entity: null, quantity, ttlSeconds, id },
    });
  const commit = (id: string, quantity?: number) =>
    answerCommit({
      ...on(),
      request: { env: "test", customer: "acme", id, ...(quantity === undefined ? {} : { quantity }) },
    });
  const release = (id: string) => answerRelease({ ...on(), request: { env: "test", customer: "acme", id } });
  const balance = async () =>
    (
      await answerCheck({
        ...on(),
        request: { env: "test", customer: "acme", feature: "api-calls", entity: null, quantity: 0 },
      })
    ).result.balance;

  it("holds units against the balance until released, and stores them for a new owner meanwhile", async () => {
    const held = await reserve("rsv_1", 60);
    expect(held).toMatchObject({
      allowed: true,
      reservation: { id: "rsv_1", status: "held", createdAt: NOW, expiresAt: NOW + 60_000 },
      result: { balance: 40 },
    });
    expect([...fake.stored.values()]).toEqual([held.reservation]);
    expect(await balance()).toBe(40);
    expect(await reserve("rsv_1", 60)).toEqual(held);
    expect((await reserve("rsv_2", 41)).allowed).toBe(false);
    const consume = await answerConsume({
      ...on(),
      request: { env: "test", customer: "acme", feature: "api-calls", entity: null, quantity: 41 },
    });
    expect(consume.result.allowed).toBe(false);

    expect((await release("rsv_1")).reservation.status).toBe("released");
    expect(fake.stored.size).toBe(0);
    expect(await balance()).toBe(100);
    expect((await release("rsv_1")).reservation.status).toBe("released");
    await expect(commit("rsv_1")).rejects.toMatchObject({ code: "conflict" });
    await expect(release("rsv_unknown")).rejects.toMatchObject({ code: "not_found" });
  });

  it("commits the actual usage as a usage event keyed by the reservation, once", async () => {
    await reserve("rsv_1", 30);
    const committed = await commit("rsv_1", 20);
    expect(committed).toMatchObject({ reservation: { status: "committed" }, result: { used: 20, balance: 80 } });
    expect(await commit("rsv_1", 20)).toEqual(committed);
    expect(fake.published).toEqual([
      expect.objectContaining({ id: committed.eventId, value: 20, idempotencyKey: "rsv_1", timestamp: NOW }),
    ]);
    expect(await balance()).toBe(80);
    fake.apply(fake.published);
    expect(await balance()).toBe(80);
    expect((await release("rsv_1")).reservation.status).toBe("committed");
    await fake.tick();
    expect(fake.stored.size).toBe(0);

    await reserve("rsv_2", 10);
    expect((await commit("rsv_2")).result.used).toBe(30);
    await reserve("rsv_3", 10);
    expect(await commit("rsv_3", 0)).toMatchObject({ eventId: null, result: { used: 30 } });
    expect(fake.published).toHaveLength(2);
  });

  it("keeps holding the units when the commit could not be recorded", async () => {
    await reserve("rsv_1", 30);
    fake.failPublishes(1);
    await expect(commit("rsv_1", 5)).rejects.toMatchObject({ code: "unavailable" });
    expect(fake.owner.held.size).toBe(1);
    fake.apply([]);
    await fake.tick();
    expect(await balance()).toBe(70);
    expect((await commit("rsv_1", 5)).result.balance).toBe(95);
  });

  it("frees the units when the reservation expires in the customer's time", async () => {
    await reserve("rsv_wall", 30, 10);
    fake.setNow(NOW + 10_000);
    expect(await balance()).toBe(100);
    expect(expireReservations(on())).toBe(1);
    await fake.tick();
    expect(fake.stored.size).toBe(0);
    expect((await release("rsv_wall")).reservation.status).toBe("expired");
  });

  it("expires a test-clock customer's reservation when the clock is moved past it", async () => {
    fake.define(
      aCustomerDefinition({ testClock: "clk_1", features: { "api-calls": anEntitlement({ included: 100 }) } }),
    );
    const frozen = Date.UTC(2026, 2, 1);
    fake.setClock("clk_1", frozen);
    const held = await reserve("rsv_clock", 70, 60);
    expect(held.reservation).toMatchObject({ createdAt: frozen, expiresAt: frozen + 60_000 });
    // Wall-clock time passing changes nothing: the customer lives at the clock's time.
    fake.setNow(NOW + 3_600_000);
    expect(expireReservations(on())).toBe(0);
    expect(await balance()).toBe(30);
    fake.setClock("clk_1", frozen + 60_000);
    expect(await balance()).toBe(100);
    expect(expireReservations(on())).toBe(1);
    // The work happened after all: a late commit still records it.
    expect(await commit("rsv_clock", 12)).toMatchObject({ reservation: { status: "committed" }, result: { used: 12 } });
  });
});
