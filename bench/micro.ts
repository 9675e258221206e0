/** Micro-benchmarks (tinybench) of the per-event hot paths, in operations per second. */
import { encodeBatch, parseTrackInput, readEvent, stampEvents, type TrackInput } from "@lumen/core";
import { Bench } from "tinybench";

export interface MicroResult {
  name: string;
  opsPerSecond: number;
  p99Us: number;
}

export async function runMicroBenchmarks({ timeMs = 1_000 }: { timeMs?: number } = {}): Promise<MicroResult[]> {
  const body = {
    customer: "acme",
    event: "message",
    entity: "user_42",
    properties: { model: "gpt-5" },
    idempotencyKey: "k",
  };
  const input = parseTrackInput(body);
  if (!input.ok) throw new Error("bad fixture");
  const inputs: TrackInput[] = Array.from({ length: 500 }, () => input.input);
  const { events } = stampEvents({ inputs, env: "live", receivedAt: Date.now() });
  const catalog = {
    env: "live" as const,
    version: 1,
    features: {
      "premium-messages": {
        type: "metered" as const,
        meter: { event: "message", aggregation: "count" as const, filter: { model: ["gpt-5", "o3"] } },
        creditCosts: null,
      },
    },
  };
  const bench = new Bench({ time: timeMs });
  bench
    .add("validate one track body", () => parseTrackInput(body))
    .add("stamp 500 events", () => stampEvents({ inputs, env: "live", receivedAt: Date.now() }))
    .add("encode a 500-event batch (msgpack)", () => encodeBatch({ v: 1, id: "bat_x", partition: 0, events }))
    .add("match one event to meters", () => readEvent({ event: events[0]!, catalog }));
  await bench.run();
  return bench.tasks.map((task) => ({
    name: task.name,
    opsPerSecond: Math.round(task.result?.hz ?? 0),
    p99Us: Math.round((task.result?.p99 ?? 0) * 1000 * 100) / 100,
  }));
}
