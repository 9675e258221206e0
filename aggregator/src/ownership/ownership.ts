import type { Clock } from "@lumen/core";
import { type BucketWatch, watchBucket } from "@lumen/core/runtime";
import type { KV } from "nats";
import type { Logger } from "pino";
import { LeaseTable } from "./lease-table";
import { Members } from "./members";
import { planOwnership } from "./plan-ownership";

export interface OwnershipTiming {
  /** How often members heartbeat, leases renew and the plan runs. */
  tickMs: number;
  /** How long a lease lasts past its last renewal before others may take it. */
  leaseMs: number;
  /** An owner stops work on a partition it could not renew for this long (well inside `leaseMs`). */
  fenceMs: number;
  /** A member not heard from for this long is dead. */
  memberLiveMs: number;
}

export const DEFAULT_OWNERSHIP_TIMING: OwnershipTiming = {
  tickMs: 1_000,
  leaseMs: 5_000,
  fenceMs: 3_000,
  memberLiveMs: 3_000,
};

export interface OwnershipCallbacks {
  /** The lease is ours: start the partition (recovery, then reading). Not awaited by the tick. */
  acquired(partition: number): Promise<void>;
  /** We give the lease up: stop the partition and let in-flight writes settle before the lease is released. */
  releasing(partition: number): Promise<void>;
  /** The lease was lost (taken by another, or not renewed in time): stop the partition's work at once. */
  lost(partition: number): void;
}

interface Held {
  revision: number;
  renewedAt: number;
}

/** Partition ownership through NATS KV leases (DESIGN "The flow of one event", step 3). */
export class Ownership {
  private readonly held = new Map<number, Held>();
  private readonly leases: LeaseTable;
  private readonly members: Members;
  private readonly watches: BucketWatch[] = [];
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(
    private readonly options: {
      me: string;
      partitions: number;
      leasesKv: KV;
      membersKv: KV;
      clock: Clock;
      timing: OwnershipTiming;
      callbacks: OwnershipCallbacks;
      logger: Logger;
    },
  ) {
    this.leases = new LeaseTable(options.leasesKv);
    this.members = new Members(options.membersKv, options.me, options.timing.memberLiveMs);
  }

  async start(): Promise<void> {
    const onError = (error: unknown) => this.options.logger.error({ err: error }, "ownership watch failed");
    this.watches.push(
      await watchBucket({ kv: this.options.leasesKv, onEntry: (e) => this.leases.onEntry(e), onError }),
      await watchBucket({ kv: this.options.membersKv, onEntry: (e) => this.members.onEntry(e), onError }),
    );
    await Promise.all(this.watches.map((watch) => watch.initialized));
    await this.members.heartbeat();
    this.schedule(0);
  }

  /** Whether this aggregator holds the partition's lease and renewed it recently enough to act on it. */
  holds(partition: number): boolean {
    const held = this.held.get(partition);
    return held !== undefined && !this.stopped && performance.now() - held.renewedAt < this.options.timing.fenceMs;
  }

  owned(): number[] {
    return [...this.held.keys()].sort((a, b) => a - b);
  }

  /** Stops planning; with `release`, stops each partition and gives its lease up, and leaves the members. */
  async stop({ release }: { release: boolean }): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.ticking;
    for (const watch of this.watches) watch.stop();
    if (!release) return;
    for (const partition of this.owned()) await this.giveUp(partition);
    await this.members.leave().catch(() => {});
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.ticking = this.tick()
        .catch((error: unknown) => this.options.logger.error({ err: error }, "ownership tick failed"))
        .finally(() => this.schedule(this.options.timing.tickMs));
    }, delayMs);
  }

  private async tick(): Promise<void> {
    const { me, partitions, clock, timing, callbacks } = this.options;
    await this.members
      .heartbeat()
      .catch((error: unknown) => this.options.logger.warn({ err: error }, "heartbeat failed"));
    // The fence (renewedAt + fence) must end before the lease it guards: both are taken when the request leaves,
    // however long the answer takes.
    await Promise.all(
      this.owned().map(async (partition) => {
        const held = this.held.get(partition)!;
        const sentAt = performance.now();
        const expires = clock.now().getTime() + timing.leaseMs;
        const revision = await this.leases.renew(partition, { owner: me, expires }, held.revision);
        if (this.stopped) return;
        if (revision !== null) this.held.set(partition, { revision, renewedAt: sentAt });
        else this.lose(partition, "lease taken");
      }),
    );
    for (const partition of this.owned()) {
      if (!this.holds(partition)) this.lose(partition, "lease not renewed in time");
    }
    if (this.stopped) return;
    const plan = planOwnership({
      me,
      partitions,
      liveMembers: this.members.liveCount(),
      leases: this.leases.leases(),
      owned: new Set(this.held.keys()),
      now: clock.now().getTime(),
    });
    for (const partition of plan.release) await this.giveUp(partition);
    for (const partition of plan.acquire) {
      const sentAt = performance.now();
      const expires = clock.now().getTime() + timing.leaseMs;
      const revision = await this.leases.acquire(partition, { owner: me, expires });
      if (revision === null || this.stopped) continue;
      this.held.set(partition, { revision, renewedAt: sentAt });
      this.options.logger.info({ partition }, "partition acquired");
      callbacks.acquired(partition).catch((error: unknown) => {
        this.options.logger.error({ err: error, partition }, "partition failed to start");
      });
    }
  }

  private async giveUp(partition: number): Promise<void> {
    const held = this.held.get(partition);
    if (!held) return;
    await this.options.callbacks.releasing(partition);
    this.held.delete(partition);
    await this.leases.release(partition, held.revision);
    this.options.logger.info({ partition }, "partition released");
  }

  private lose(partition: number, reason: string): void {
    if (!this.held.delete(partition)) return;
    this.options.logger.warn({ partition, reason }, "partition lease lost");
    this.options.callbacks.lost(partition);
  }
}
