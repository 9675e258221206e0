import { describe, expect, it } from "vitest";
import { connectJetStream } from "./nats";

describe("connectJetStream", () => {
  it("connects to the machine's NATS with JetStream", async () => {
    const connection = await connectJetStream({ url: process.env.NATS_URL ?? "nats://127.0.0.1:4222", name: "t" });
    expect(connection.isClosed()).toBe(false);
    await connection.drain();
  });

  it("fails when nothing listens", async () => {
    await expect(connectJetStream({ url: "nats://127.0.0.1:1", name: "t" })).rejects.toMatchObject({
      code: "CONNECTION_REFUSED",
    });
  });
});
