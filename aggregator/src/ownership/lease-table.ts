import { decodeMessage, encodeMessage } from "@lumen/core";
import type { KV, KvEntry } from "nats";
import type { Lease } from "./plan-ownership";

export function leaseKey(partition: number): string {
  return `p${partition}`;
}

/**
 * The leases bucket, followed by a watch (for planning) and changed only by compare-and-swap on the revision
 * (for safety): two aggregators can never both win the same lease.
 */
export class LeaseTable {
  private readonly entries = new Map<number, { lease: Lease | null; revision: number }>();

  constructor(private readonly kv: KV) {}

  /** Feeds the table from a watch of the bucket. */
  onEntry(entry: KvEntry): void {
    const partition = Number(entry.key.slice(1));
    if (!Number.isInteger(partition)) return;
    const lease = entry.operation === "PUT" && entry.value.length > 0 ? decodeMessage<Lease>(entry.value) : null;
    const held = this.entries.get(partition);
    if (!held || entry.revision >= held.revision) this.entries.set(partition, { lease, revision: entry.revision });
  }

  leases(): Map<number, Lease | null> {
    return new Map([...this.entries].map(([partition, { lease }]) => [partition, lease]));
  }

  /** Takes a free lease; the new revision, or null when another aggregator got there first. */
  async acquire(partition: number, lease: Lease): Promise<number | null> {
    const held = this.entries.get(partition);
    try {
      const revision =
        held === undefined || (held.lease === null && held.revision === 0)
          ? await this.kv.create(leaseKey(partition), encodeMessage(lease))
          : await this.kv.update(leaseKey(partition), encodeMessage(lease), held.revision);
      this.entries.set(partition, { lease, revision });
      return revision;
    } catch {
      return null;
    }
  }

  /** Extends a held lease; null when it was taken (or changed) meanwhile. */
  async renew(partition: number, lease: Lease, revision: number): Promise<number | null> {
    try {
      const next = await this.kv.update(leaseKey(partition), encodeMessage(lease), revision);
      this.entries.set(partition, { lease, revision: next });
      return next;
    } catch {
      return null;
    }
  }

  /** Gives a lease up at once, so the next owner need not wait for it to expire. */
  async release(partition: number, revision: number): Promise<void> {
    await this.renew(partition, { owner: "", expires: 0 }, revision);
  }
}
