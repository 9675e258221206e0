import { decodeMessage, encodeMessage, type QueryError } from "@lumen/core";
import type { Msg, NatsConnection, Subscription } from "nats";
import type { Logger } from "pino";

/**
 * Why a query was not answered. `validation_error`: the request is wrong; `unavailable`: this aggregator does not
 * (yet) own the partition, retry; `timeout`: the partition's watermark did not reach `waitUntil` in time;
 * `not_found`: no reservation has the id; `conflict`: the reservation is in a state that forbids the action;
 * `internal`: ClickHouse or the aggregator failed.
 */
export type QueryFailureCode = "validation_error" | "unavailable" | "timeout" | "not_found" | "conflict" | "internal";

export class QueryFailure extends Error {
  constructor(
    readonly code: QueryFailureCode,
    message: string,
  ) {
    super(message);
    this.name = "QueryFailure";
  }
}

export function invalidRequest(message: string): QueryFailure {
  return new QueryFailure("validation_error", message);
}

export function queryErrorOf(error: unknown): QueryError {
  if (error instanceof QueryFailure) return { error: { code: error.code, message: error.message } };
  const message = error instanceof Error ? error.message : String(error);
  return { error: { code: "internal", message: `The aggregator failed to answer: ${message}` } };
}

/** Answers every request on `subject` with the handler's result or a QueryError — never with silence. */
export function serveRequests({
  nats,
  subject,
  queue,
  handle,
  logger,
}: {
  nats: NatsConnection;
  subject: string;
  queue?: string;
  handle: (request: unknown) => Promise<unknown>;
  logger: Logger;
}): Subscription {
  return nats.subscribe(subject, {
    ...(queue ? { queue } : {}),
    callback: (error, message) => {
      if (error) {
        logger.error({ err: error, subject }, "query subscription failed");
        return;
      }
      void answer(message, handle, logger);
    },
  });
}

async function answer(message: Msg, handle: (request: unknown) => Promise<unknown>, logger: Logger): Promise<void> {
  let reply: unknown;
  try {
    let request: unknown;
    try {
      request = decodeMessage(message.data);
    } catch {
      throw invalidRequest("The request is not MessagePack");
    }
    reply = await handle(request);
  } catch (error) {
    if (!(error instanceof QueryFailure)) logger.error({ err: error, subject: message.subject }, "query failed");
    reply = queryErrorOf(error);
  }
  if (message.reply) message.respond(encodeMessage(reply));
}
