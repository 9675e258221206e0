import { decodeMessage } from "@lumen/core";
import { type BucketWatch, watchBucket } from "@lumen/core/runtime";
import type { KV, KvEntry } from "nats";
import type { Logger } from "pino";

/** The test clocks' frozen times billing writes to the clocks bucket (key: clock id, `{id, frozenTime}` in ms). */
export class ClockTimes {
  private readonly times = new Map<string, number>();
  private watch: BucketWatch | null = null;

  static async open({
    kv,
    logger,
    onChange,
  }: {
    kv: KV;
    logger: Logger;
    /** A clock was created or moved (reservations may have expired in its time). */
    onChange: (clock: string) => void;
  }): Promise<ClockTimes> {
    const clocks = new ClockTimes();
    clocks.watch = await watchBucket({
      kv,
      onEntry: (entry) => {
        if (clocks.onEntry(entry, logger)) onChange(entry.key);
      },
      onError: (error) => logger.error({ err: error }, "clocks watch failed"),
    });
    await clocks.watch.initialized;
    return clocks;
  }

  /** The clock's frozen time, or undefined for a clock not (yet) known. */
  time(clock: string): number | undefined {
    return this.times.get(clock);
  }

  stop(): void {
    this.watch?.stop();
  }

  private onEntry(entry: KvEntry, logger: Logger): boolean {
    if (entry.operation !== "PUT") return this.times.delete(entry.key);
    try {
      const { frozenTime } = decodeMessage<{ frozenTime?: unknown }>(entry.value);
      if (typeof frozenTime !== "number" || !Number.isFinite(frozenTime)) throw new Error("no frozenTime in ms");
      this.times.set(entry.key, frozenTime);
      return true;
    } catch (error) {
      logger.warn({ err: error, key: entry.key }, "undecodable test clock ignored");
      return false;
    }
  }
}
