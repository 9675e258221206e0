import { describe, expect, it } from "vitest";
import { CatchUpGate } from "./catch-up-gate";

const settled = async (promise: Promise<void>) => {
  let state = "waiting";
  promise.then(
    () => (state = "resolved"),
    () => (state = "rejected"),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return state;
};

describe("CatchUpGate", () => {
  it("waits until opened and the counters reach the stream's sequence at takeover", async () => {
    const gate = new CatchUpGate(0, 5);
    const waiting = gate.wait(0, 10_000);
    gate.advance(9);
    expect(await settled(waiting)).toBe("waiting");
    gate.open(12);
    expect(await settled(waiting)).toBe("waiting");
    gate.advance(12);
    expect(await settled(waiting)).toBe("resolved");
    expect(gate.isReady()).toBe(true);
  });

  it("waits for a caller's own events too (appliedThrough)", async () => {
    const gate = new CatchUpGate(0, 0);
    gate.open(0);
    const waiting = gate.wait(7, 10_000);
    gate.advance(6);
    expect(await settled(waiting)).toBe("waiting");
    gate.advance(8);
    expect(await settled(waiting)).toBe("resolved");
  });

  it("answers unavailable after the time limit, or when the partition closes", async () => {
    const gate = new CatchUpGate(3, 0);
    await expect(gate.wait(0, 10)).rejects.toMatchObject({ code: "unavailable" });
    const counted = gate.counts(4);
    const waiting = gate.wait(0, 10_000);
    gate.close();
    await expect(waiting).rejects.toMatchObject({ code: "unavailable", message: expect.stringContaining("moved") });
    await expect(counted).rejects.toMatchObject({ code: "unavailable" });
    await expect(gate.wait(0, 10)).rejects.toMatchObject({ code: "unavailable" });
  });

  it("tells when the counters hold a sequence, opened or not", async () => {
    const gate = new CatchUpGate(0, 1);
    const counted = gate.counts(3);
    gate.advance(3);
    expect(await settled(counted)).toBe("resolved");
  });
});
