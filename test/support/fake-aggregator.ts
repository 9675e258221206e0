import { decodeMessage, encodeMessage, type PipelineNames, QUERY_OPERATIONS } from "@lumen/core";
import type { NatsConnection } from "nats";

/**
 * Answers the aggregators' query subjects with empty results, for billing tests that exercise routes which
 * read usage without running an aggregator. Records what it was asked.
 */
export function startFakeAggregator(nats: NatsConnection, names: PipelineNames) {
  const asked: { operation: string; request: unknown }[] = [];
  const answers: Record<string, unknown> = {
    [QUERY_OPERATIONS.timeseries]: { points: [] },
    [QUERY_OPERATIONS.events]: { data: [], hasMore: false },
    [QUERY_OPERATIONS.periodTotals]: { totals: [], watermark: Date.now() },
  };
  const keysSeen = nats.subscribe(names.querySubject(QUERY_OPERATIONS.keysSeen), {
    queue: "aggregators",
    callback: (_error, message) => {
      const request = decodeMessage<{ keys: unknown[] }>(message.data);
      message.respond(encodeMessage({ seen: request.keys.map(() => false) }));
    },
  });
  const subscriptions = Object.entries(answers).map(([operation, answer]) =>
    nats.subscribe(names.querySubject(operation), {
      queue: "aggregators",
      callback: (_error, message) => {
        asked.push({ operation, request: decodeMessage(message.data) });
        message.respond(encodeMessage(answer));
      },
    }),
  );
  return {
    asked,
    stop() {
      for (const subscription of subscriptions) subscription.unsubscribe();
      keysSeen.unsubscribe();
    },
  };
}
