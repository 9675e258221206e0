import { type EventsPage, type EventsRequest, isoDateTime, QUERY_OPERATIONS } from "@lumen/core";
import { z } from "zod";
import type { EngineContext } from "../context";
import { requirePipeline } from "../pipeline/pipeline-client";

export const listEventsQuery = z.strictObject({
  customer: z.string().min(1).max(255).optional(),
  feature: z.string().min(1).max(255).optional(),
  from: isoDateTime.optional(),
  to: isoDateTime.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  startingAfter: z.string().min(1).max(64).optional(),
});

/** `GET /v1/events`: raw events as the aggregators stored them, newest first (PRODUCT §9). */
export async function listEvents({ ctx, query }: { ctx: EngineContext; query: unknown }) {
  const parsed = listEventsQuery.parse(query ?? {});
  const pipeline = requirePipeline(ctx.pipeline);
  const request: EventsRequest = {
    env: ctx.env,
    customer: parsed.customer ?? null,
    feature: parsed.feature ?? null,
    from: parsed.from?.getTime() ?? null,
    to: parsed.to?.getTime() ?? null,
    limit: parsed.limit,
    startingAfter: parsed.startingAfter ?? null,
  };
  const page = await pipeline.request<EventsPage>(pipeline.names.querySubject(QUERY_OPERATIONS.events), request);
  return {
    data: page.data.map((event) => ({
      ...event,
      timestamp: new Date(event.timestamp),
      receivedAt: new Date(event.receivedAt),
    })),
    hasMore: page.hasMore,
  };
}
