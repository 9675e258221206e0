import { randomBytes } from "node:crypto";
import type { JetStreamClient, JetStreamManager, NatsConnection, PubAck } from "nats";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import type { UsageEvent } from "../events/usage-event";
import { decodeBatch, type EventBatch } from "../pipeline/codec";
import { pipelineNames } from "../pipeline/names";
import { partitionOf } from "../pipeline/partition";
import { createEventPublisher } from "./event-publisher";
import { deleteEventsStream, ensureEventsStream } from "./events-stream";
import { connectJetStream } from "./nats";

const PARTITIONS = 4;
let counter = 0;

function event(customer: string, overrides: Partial<UsageEvent> = {}): UsageEvent {
  counter++;
  return {
    id: `evt_${counter}`,
    env: "live",
    customer,
    feature: "api-calls",
    event: null,
    entity: null,
    value: counter,
    properties: null,
    timestamp: 1_767_225_600_000,
    receivedAt: 1_767_225_600_000,
    idempotencyKey: null,
    ...overrides,
  };
}

type Publish = JetStreamClient["publish"];
const ACK: PubAck = { stream: "S", seq: 1, duplicate: false, domain: "", ack: () => {} } as unknown as PubAck;

describe("the event publisher", () => {
  let nats: NatsConnection;
  let jsm: JetStreamManager;
  const names = pipelineNames(`t${randomBytes(5).toString("hex")}`);
  let lastSeq = 0;

  beforeAll(async () => {
    nats = await connectJetStream({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "publisher" });
    jsm = await nats.jetstreamManager();
    await ensureEventsStream(jsm, names, PARTITIONS, { maxAgeMs: 3_600_000 });
  });
  afterAll(async () => {
    await deleteEventsStream(jsm, names);
    await nats.drain();
  });
  beforeEach(async () => {
    lastSeq = (await jsm.streams.info(names.eventsStream)).state.last_seq;
  });

  async function newMessages(): Promise<{ subject: string; msgId: string; batch: EventBatch; size: number }[]> {
    const last = (await jsm.streams.info(names.eventsStream)).state.last_seq;
    const out = [];
    for (let seq = lastSeq + 1; seq <= last; seq++) {
      const message = await jsm.streams.getMessage(names.eventsStream, { seq });
      out.push({
        subject: message.subject,
        msgId: message.header.get("Nats-Msg-Id"),
        batch: decodeBatch(message.data),
        size: message.data.length,
      });
    }
    lastSeq = last;
    return out;
  }

  it("puts every event in its partition's subject, at most 500 per message, the batch id as Nats-Msg-Id", async () => {
    const publisher = createEventPublisher({ js: nats.jetstream(), names, partitions: PARTITIONS });
    const events = Array.from({ length: 1500 }, (_, i) =>
      event(i < 1100 ? "big-customer" : `c${i % 13}`, { env: i % 3 === 0 ? "test" : "live" }),
    );
    await publisher.publish(events);
    expect(publisher.queuedEvents).toBe(0);
    const messages = await newMessages();
    for (const { subject, msgId, batch } of messages) {
      expect(msgId).toBe(batch.id);
      expect(batch.id).toMatch(/^bat_/);
      expect(batch.events.length).toBeLessThanOrEqual(500);
      for (const stored of batch.events) {
        expect(batch.partition).toBe(partitionOf(stored.env, stored.customer, PARTITIONS));
        expect(subject).toBe(names.eventsSubject(stored.env, batch.partition));
      }
    }
    const stored = messages.flatMap(({ batch }) => batch.events);
    expect(stored.map((item) => item.id).sort()).toEqual(events.map((item) => item.id).sort());
    expect(stored.find((item) => item.id === events[7]!.id)).toEqual(events[7]);
    await publisher.close();
  });

  it("coalesces concurrent callers of a partition into one message", async () => {
    const publisher = createEventPublisher({ js: nats.jetstream(), names, partitions: PARTITIONS, lingerMs: 5 });
    await Promise.all(Array.from({ length: 100 }, () => publisher.publish([event("same-customer")])));
    const messages = await newMessages();
    expect(messages).toHaveLength(1);
    expect(messages[0]?.batch.events).toHaveLength(100);
    await publisher.close();
  });

  it("splits a batch that would not fit in one NATS message", async () => {
    const publisher = createEventPublisher({
      js: nats.jetstream(),
      names,
      partitions: PARTITIONS,
      maxMessageBytes: 4_000,
    });
    const events = Array.from({ length: 60 }, () => event("wide", { properties: { text: "x".repeat(300) } }));
    await publisher.publish(events);
    const messages = await newMessages();
    expect(messages.length).toBeGreaterThan(4);
    for (const message of messages) expect(message.size).toBeLessThanOrEqual(4_000);
    expect(messages.flatMap(({ batch }) => batch.events)).toHaveLength(60);
    await publisher.close();
  });

  it("resolves only once the PubAck arrives", async () => {
    const acks: (() => void)[] = [];
    const publish = (() => new Promise<PubAck>((resolve) => acks.push(() => resolve(ACK)))) as Publish;
    const publisher = createEventPublisher({ js: { publish }, names, partitions: PARTITIONS, lingerMs: 0 });
    let done = false;
    const result = publisher.publish([event("a")]).then(() => {
      done = true;
    });
    await expect.poll(() => acks.length).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(done).toBe(false);
    expect(publisher.queuedEvents).toBe(1);
    acks[0]!();
    await result;
    expect(publisher.queuedEvents).toBe(0);
  });

  it("rejects the waiting callers when the stream does not confirm, and only those", async () => {
    const orphan = pipelineNames(`t${randomBytes(5).toString("hex")}`);
    const publisher = createEventPublisher({
      js: nats.jetstream(),
      names: orphan,
      partitions: PARTITIONS,
      maxAttempts: 2,
      retryDelayMs: 1,
      publishTimeoutMs: 500,
    });
    await expect(publisher.publish([event("a"), event("b")])).rejects.toMatchObject({
      code: "internal",
      message: expect.stringContaining("did not confirm"),
    });
    // The other event's lane may settle a moment after the caller heard of the first failure.
    await vi.waitFor(() => expect(publisher.queuedEvents).toBe(0));

    const failing = names.eventsSubject("live", partitionOf("live", "a", PARTITIONS));
    const healthy = nats.jetstream();
    const picky = createEventPublisher({
      js: {
        publish: ((subject, data, options) =>
          subject === failing ? Promise.reject(new Error("boom")) : healthy.publish(subject, data, options)) as Publish,
      },
      names,
      partitions: PARTITIONS,
      maxAttempts: 1,
    });
    const other = ["b", "c", "d", "e", "f"].find(
      (customer) => partitionOf("live", customer, PARTITIONS) !== partitionOf("live", "a", PARTITIONS),
    )!;
    const [first, second] = await Promise.allSettled([picky.publish([event("a")]), picky.publish([event(other)])]);
    expect(first.status).toBe("rejected");
    expect(second.status).toBe("fulfilled");
  });

  it("retries a batch under the same id, so the stream keeps one copy when a lost PubAck hid a success", async () => {
    const healthy = nats.jetstream();
    const ids: string[] = [];
    let calls = 0;
    const publish = (async (subject, data, options) => {
      ids.push(options?.msgID ?? "");
      const ack = await healthy.publish(subject, data, options);
      if (++calls === 1) throw new Error("timeout waiting for the PubAck");
      return ack;
    }) as Publish;
    const publisher = createEventPublisher({ js: { publish }, names, partitions: PARTITIONS, retryDelayMs: 1 });
    await publisher.publish([event("retried"), event("retried")]);
    expect(ids).toHaveLength(2);
    expect(ids[1]).toBe(ids[0]);
    const messages = await newMessages();
    expect(messages).toHaveLength(1);
    expect(messages[0]?.batch.events).toHaveLength(2);
  });

  it("refuses at once with rate_limited when its queue is full", async () => {
    const publish = (() => new Promise<PubAck>(() => {})) as Publish;
    const publisher = createEventPublisher({ js: { publish }, names, partitions: PARTITIONS, maxQueuedEvents: 10 });
    void publisher.publish(Array.from({ length: 8 }, () => event("a")));
    await expect(publisher.publish([event("b"), event("c"), event("d")])).rejects.toMatchObject({
      code: "rate_limited",
    });
    expect(publisher.queuedEvents).toBe(8);
    // Up to the limit is still taken.
    void publisher.publish([event("b"), event("c")]);
    expect(publisher.queuedEvents).toBe(10);
  });

  it("gathers events while a lane's batch is in flight, and sends a quiet lane's event at once", async () => {
    const sent: number[] = [];
    let release: () => void = () => {};
    const js = {
      publish: async (_subject: string, data: Uint8Array) => {
        sent.push(decodeBatch(data).events.length);
        if (sent.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return { seq: sent.length, duplicate: false, stream: "s" } as never;
      },
    };
    const publisher = createEventPublisher({ js, names, partitions: 1, lingerMs: 60_000, maxInFlightPerPartition: 1 });
    const first = publisher.publish([event("acme")]);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(sent).toEqual([1]);
    const rest = Array.from({ length: 9 }, () => publisher.publish([event("acme")]));
    await new Promise((resolve) => setTimeout(resolve, 5));
    release();
    await Promise.all([first, ...rest]);
    expect(sent).toEqual([1, 9]);
    await publisher.close();
  });

  it("flushes what lingers on close, then refuses new events", async () => {
    const publisher = createEventPublisher({ js: nats.jetstream(), names, partitions: PARTITIONS, lingerMs: 60_000 });
    let done = false;
    const pending = publisher.publish([event("late"), event("later")]).then(() => {
      done = true;
    });
    await publisher.close();
    await pending;
    expect(done).toBe(true);
    expect((await newMessages()).flatMap(({ batch }) => batch.events)).toHaveLength(2);
    await expect(publisher.publish([event("after")])).rejects.toMatchObject({ code: "internal" });
  });
});
