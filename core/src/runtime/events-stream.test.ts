import { randomBytes } from "node:crypto";
import { type JetStreamManager, type NatsConnection, nanos, RetentionPolicy, StorageType } from "nats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pipelineNames } from "../pipeline/names";
import {
  DEFAULT_EVENTS_MAX_AGE_MS,
  deleteEventsStream,
  EVENTS_DUPLICATE_WINDOW_MS,
  ensureEventsStream,
  partitionsOfStream,
} from "./events-stream";
import { connectJetStream } from "./nats";

describe("the events stream", () => {
  let nats: NatsConnection;
  let jsm: JetStreamManager;
  const names = pipelineNames(`t${randomBytes(5).toString("hex")}`);

  beforeAll(async () => {
    nats = await connectJetStream({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "events-stream" });
    jsm = await nats.jetstreamManager();
  });
  afterAll(async () => {
    await deleteEventsStream(jsm, names);
    await nats.drain();
  });

  it("is created on <prefix>.events.> with file storage, 7 days, a 2-minute duplicate window and its partition count", async () => {
    const info = await ensureEventsStream(jsm, names, 8);
    expect(info.config).toMatchObject({
      name: names.eventsStream,
      subjects: [`${names.prefix}.events.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      max_age: nanos(DEFAULT_EVENTS_MAX_AGE_MS),
      duplicate_window: nanos(EVENTS_DUPLICATE_WINDOW_MS),
    });
    expect(DEFAULT_EVENTS_MAX_AGE_MS).toBe(7 * 24 * 3600 * 1000);
    expect(partitionsOfStream(info)).toBe(8);
  });

  it("is checked, not recreated, when it exists with the same count; a new max age is applied", async () => {
    await nats.jetstream().publish(names.eventsSubject("live", 1), new Uint8Array([1]));
    const info = await ensureEventsStream(jsm, names, 8, { maxAgeMs: 3_600_000 });
    expect(info.state.messages).toBe(1);
    expect(info.config.max_age).toBe(nanos(3_600_000));
  });

  it("refuses to start with another partition count", async () => {
    await expect(ensureEventsStream(jsm, names, 16)).rejects.toMatchObject({
      code: "conflict",
      message: expect.stringContaining("created with 8 partitions but this process is configured with 16"),
    });
  });

  it("refuses a stream of that name that Lumen did not create", async () => {
    const other = pipelineNames(`t${randomBytes(5).toString("hex")}`);
    await jsm.streams.add({ name: other.eventsStream, subjects: [`${other.prefix}.events.>`] });
    try {
      await expect(ensureEventsStream(jsm, other, 8)).rejects.toMatchObject({ code: "conflict" });
    } finally {
      await deleteEventsStream(jsm, other);
    }
  });

  it("deletes quietly when there is nothing to delete", async () => {
    await expect(deleteEventsStream(jsm, pipelineNames("tnothinghere"))).resolves.toBeUndefined();
  });
});
