import { encodeMessage } from "@lumen/core";
import type { KV, KvEntry } from "nats";

/**
 * Live aggregators: each puts its entry in the members bucket every tick; a member is live while its entry was
 * seen within `liveMs` (measured on this process's monotonic clock, so wall-clock skew does not matter). The
 * bucket's max age removes the entries of members that stopped.
 */
export class Members {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly kv: KV,
    private readonly me: string,
    private readonly liveMs: number,
    private readonly monotonic: () => number = () => performance.now(),
  ) {}

  onEntry(entry: KvEntry): void {
    if (entry.operation === "PUT") this.seen.set(entry.key, this.monotonic());
    else this.seen.delete(entry.key);
  }

  async heartbeat(): Promise<void> {
    await this.kv.put(this.me, encodeMessage({ id: this.me }));
  }

  /** How many members are live, this one always included. */
  liveCount(): number {
    const now = this.monotonic();
    let live = 1;
    for (const [id, at] of this.seen) if (id !== this.me && now - at <= this.liveMs) live++;
    return live;
  }

  async leave(): Promise<void> {
    await this.kv.delete(this.me);
  }
}
