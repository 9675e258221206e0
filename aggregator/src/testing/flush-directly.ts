import { createPeriodResolver, type UsageEvent, type UsageSources } from "@lumen/core";
import type { ClickHouse } from "../clickhouse";
import { concatEncoded } from "../clickhouse/types";
import { IdempotencyIndex } from "../dedup/idempotency-index";
import { applyBatches, type FlushWork } from "../pipeline/apply-batches";
import type { DecodedBatch } from "../pipeline/received-batch";
import { CounterStore } from "../state/counter-store";
import { writeFlush } from "../storage/write-flush";

/** Runs batches through the flush path without NATS: dedup, apply, write. For storage-level tests. */
export class DirectFlusher {
  readonly counters = new CounterStore();
  readonly index: IdempotencyIndex;
  private readonly resolvePeriod = createPeriodResolver();

  constructor(
    private readonly clickhouse: ClickHouse,
    private readonly sources: UsageSources,
    readonly generation = 1,
  ) {
    this.index = new IdempotencyIndex(clickhouse, { cacheSize: 10_000, filterCapacity: 10_000, replayMs: 0 });
  }

  async flush(
    batches: { partition: number; seq: number; events: UsageEvent[] }[],
    { checkpoint = true }: { checkpoint?: boolean } = {},
  ): Promise<FlushWork> {
    const received: DecodedBatch[] = batches.map((batch) => ({ ...batch, generation: this.generation, storedAt: 0 }));
    await this.index.prepare(received);
    const work = applyBatches({
      batches: received,
      index: this.index,
      sources: this.sources,
      counters: this.counters,
      resolvePeriod: this.resolvePeriod,
    });
    this.index.release();
    const crash = async () => {
      throw new Error("crash before the checkpoint");
    };
    await writeFlush({
      clickhouse: this.clickhouse,
      rows: {
        events: concatEncoded([...work.rows.values()].map((rows) => rows.events)),
        rollups: concatEncoded([...work.rows.values()].map((rows) => rows.rollups)),
        keys: concatEncoded([...work.rows.values()].map((rows) => rows.keys)),
        checkpoints: work.checkpoints,
      },
      writtenAt: 0,
      ...(checkpoint ? {} : { beforeCheckpoint: crash }),
    }).catch((error: unknown) => {
      if (checkpoint) throw error;
    });
    return work;
  }
}
