import { type PipelineNames, partitionOf, QUERY_OPERATIONS, type UsageSources } from "@lumen/core";
import type { KV, NatsConnection, Subscription } from "nats";
import type { Logger } from "pino";
import type { ClickHouse } from "../clickhouse";
import { readWatermark } from "../publish/watermarks";
import { queryEventsPage } from "./events-page";
import { parseKeysSeen, queryKeysSeen } from "./keys-seen";
import { queryPeriodTotals } from "./period-totals";
import { QueryFailure, serveRequests } from "./query-failure";
import { queryReadings } from "./readings";
import { queryTimeseries } from "./timeseries";
import { parseEvents, parsePeriodTotals, parseReadings, parseTimeseries } from "./validate";

/** Every aggregator answers ClickHouse queries in one queue group: they all share one ClickHouse. */
export const QUERY_QUEUE = "lumen-aggregators";

/** The `query:` operations of QUERY_OPERATIONS (timeseries, raw events, period totals). */
export function startQueryService({
  nats,
  names,
  partitions,
  clickhouse,
  sources,
  watermarks,
  periodTotalsTimeoutMs,
  logger,
}: {
  nats: NatsConnection;
  names: PipelineNames;
  partitions: number;
  clickhouse: ClickHouse;
  sources: UsageSources;
  watermarks: KV;
  periodTotalsTimeoutMs: number;
  logger: Logger;
}): { stop(): void } {
  const serve = (operation: string, handle: (request: unknown) => Promise<unknown>): Subscription =>
    serveRequests({ nats, subject: names.querySubject(operation), queue: QUERY_QUEUE, handle, logger });
  const subscriptions = [
    serve(QUERY_OPERATIONS.timeseries, async (raw) => {
      const request = parseTimeseries(raw);
      return queryTimeseries({
        clickhouse,
        partitions,
        request,
        catalog: sources.catalogOf(request.env),
        definition: sources.definitionOf(request.env, request.customer),
      });
    }),
    serve(QUERY_OPERATIONS.keysSeen, async (raw) =>
      queryKeysSeen({ clickhouse, partitions, request: parseKeysSeen(raw) }),
    ),
    serve(QUERY_OPERATIONS.events, async (raw) =>
      queryEventsPage({ clickhouse, partitions, request: parseEvents(raw) }),
    ),
    serve(QUERY_OPERATIONS.periodTotals, async (raw) => {
      const request = parsePeriodTotals(raw);
      const partition = partitionOf(request.env, request.customer, partitions);
      const watermark = await waitForWatermark({
        watermarks,
        partition,
        until: request.waitUntil,
        timeoutMs: periodTotalsTimeoutMs,
      });
      const totals = await queryPeriodTotals({
        clickhouse,
        partitions,
        request,
        catalog: sources.catalogOf(request.env),
        definition: sources.definitionOf(request.env, request.customer),
      });
      return { totals, watermark };
    }),
    serve(QUERY_OPERATIONS.readings, async (raw) => {
      const request = parseReadings(raw);
      const watermark = await waitForWatermark({
        watermarks,
        partition: partitionOf(request.env, request.customer, partitions),
        until: request.waitUntil,
        timeoutMs: periodTotalsTimeoutMs,
      });
      return { readings: await queryReadings({ clickhouse, partitions, request }), watermark };
    }),
  ];
  return {
    stop() {
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
  };
}

const POLL_MS = 50;

/** The partition's watermark once it reaches `until` (at once when null); a `timeout` failure after `timeoutMs`. */
async function waitForWatermark({
  watermarks,
  partition,
  until,
  timeoutMs,
}: {
  watermarks: KV;
  partition: number;
  until: number | null;
  timeoutMs: number;
}): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const watermark = (await readWatermark(watermarks, partition))?.watermark ?? 0;
    if (until === null || watermark >= until) return watermark;
    if (performance.now() >= deadline) {
      throw new QueryFailure(
        "timeout",
        `Partition ${partition} has applied events up to ${new Date(watermark).toISOString()}, not yet ${new Date(until).toISOString()}; retry`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}
