import { invalid, isoDateTime, QUERY_OPERATIONS, type TimeseriesRequest, type TimeseriesResult } from "@lumen/core";
import { z } from "zod";
import type { EngineContext } from "../context";
import { loadCustomer } from "../customers/customer-record";
import { requirePipeline } from "../pipeline/pipeline-client";

export const timeseriesQuery = z.strictObject({
  feature: z.string().min(1).max(255),
  entity: z.string().min(1).max(255).optional(),
  from: isoDateTime,
  to: isoDateTime,
  granularity: z.enum(["hour", "day", "month"]).default("day"),
});

/** At most this many points per answer, so that a year by the hour stays a sane response. */
const MAX_POINTS = 10_000;
const BUCKET_MS = { hour: 3_600_000, day: 86_400_000, month: 28 * 86_400_000 } as const;

/** `GET /v1/customers/:id/usage/timeseries`: usage per hour, day or month from the rollups. */
export async function getUsageTimeseries({
  ctx,
  customerId,
  query,
}: {
  ctx: EngineContext;
  customerId: string;
  query: unknown;
}) {
  const parsed = timeseriesQuery.parse(query ?? {});
  if (parsed.to.getTime() <= parsed.from.getTime()) throw invalid("to", "must be after from");
  if ((parsed.to.getTime() - parsed.from.getTime()) / BUCKET_MS[parsed.granularity] > MAX_POINTS) {
    throw invalid("granularity", `the range holds more than ${MAX_POINTS} points; use a coarser granularity`);
  }
  await loadCustomer(ctx, customerId);
  const pipeline = requirePipeline(ctx.pipeline);
  const request: TimeseriesRequest = {
    env: ctx.env,
    customer: customerId,
    feature: parsed.feature,
    entity: parsed.entity ?? null,
    from: parsed.from.getTime(),
    to: parsed.to.getTime(),
    granularity: parsed.granularity,
  };
  const result = await pipeline.request<TimeseriesResult>(
    pipeline.names.querySubject(QUERY_OPERATIONS.timeseries),
    request,
  );
  return {
    customer: customerId,
    feature: parsed.feature,
    granularity: parsed.granularity,
    points: result.points.map((point) => ({ start: new Date(point.start), value: point.value })),
  };
}
