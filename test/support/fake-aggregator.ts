import {
  type CheckResult,
  decodeMessage,
  encodeMessage,
  type OwnerCheckReply,
  type OwnerCheckRequest,
  type PipelineNames,
  QUERY_OPERATIONS,
} from "@lumen/core";
import type { NatsConnection, Subscription } from "nats";

/** Answers the owners' `entitlement.check` and `entitlement.consume` requests on every partition. */
export interface FakeOwner {
  /** The partitions of the pipeline (each is subscribed, so a request on the wrong one goes unanswered). */
  partitions: number;
  /** The decision for each request; default: allowed, 100 included, nothing used. */
  decide?: (request: OwnerCheckRequest, operation: "check" | "consume") => CheckResult;
}

/** What `decide` answers by default. */
export const ALLOWED_RESULT: CheckResult = {
  allowed: true,
  type: "metered",
  unlimited: false,
  included: 100,
  used: 0,
  balance: 100,
  overageAllowed: false,
  usageLimit: null,
  periodStart: null,
  periodEnd: null,
  resetsAt: null,
  reason: null,
};

/**
 * Answers the aggregators' query subjects with empty results, for billing tests that exercise routes which
 * read usage without running an aggregator. Records what it was asked. With `owner`, it also answers owner checks
 * and consumes (recorded in `ownerAsked` with the partition they were sent to).
 */
export function startFakeAggregator(nats: NatsConnection, names: PipelineNames, { owner }: { owner?: FakeOwner } = {}) {
  const asked: { operation: string; request: unknown }[] = [];
  const ownerAsked: { operation: "check" | "consume"; partition: number; request: OwnerCheckRequest }[] = [];
  const answers: Record<string, unknown> = {
    [QUERY_OPERATIONS.timeseries]: { points: [] },
    [QUERY_OPERATIONS.events]: { data: [], hasMore: false },
    [QUERY_OPERATIONS.periodTotals]: { totals: [], watermark: Date.now() },
    [QUERY_OPERATIONS.readings]: { readings: [], watermark: Date.now() },
  };
  const keysSeen = nats.subscribe(names.querySubject(QUERY_OPERATIONS.keysSeen), {
    queue: "aggregators",
    callback: (_error, message) => {
      const request = decodeMessage<{ keys: unknown[] }>(message.data);
      message.respond(encodeMessage({ seen: request.keys.map(() => false) }));
    },
  });
  const subscriptions: Subscription[] = Object.entries(answers).map(([operation, answer]) =>
    nats.subscribe(names.querySubject(operation), {
      queue: "aggregators",
      callback: (_error, message) => {
        asked.push({ operation, request: decodeMessage(message.data) });
        message.respond(encodeMessage(answer));
      },
    }),
  );
  for (let partition = 0; owner && partition < owner.partitions; partition++) {
    for (const operation of ["check", "consume"] as const) {
      subscriptions.push(
        nats.subscribe(names.ownerSubject(partition, QUERY_OPERATIONS[operation]), {
          callback: (_error, message) => {
            const request = decodeMessage<OwnerCheckRequest>(message.data);
            ownerAsked.push({ operation, partition, request });
            const result = owner.decide?.(request, operation) ?? ALLOWED_RESULT;
            const now = Date.now();
            const reply: OwnerCheckReply = {
              result,
              at: now,
              asOf: now,
              eventId: operation === "consume" && result.allowed ? (request.eventId ?? null) : null,
            };
            message.respond(encodeMessage(reply));
          },
        }),
      );
    }
  }
  return {
    asked,
    ownerAsked,
    stop() {
      for (const subscription of subscriptions) subscription.unsubscribe();
      keysSeen.unsubscribe();
    },
  };
}
