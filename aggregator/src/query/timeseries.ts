import {
  aggregationOf,
  type CatalogDefinition,
  type CustomerDefinition,
  partitionOf,
  type TimeseriesRequest,
  type TimeseriesResult,
} from "@lumen/core";
import type { ClickHouse } from "../clickhouse";
import { int, quote } from "../storage/schema";
import { valueSql } from "./aggregate-sql";
import { invalidRequest } from "./query-failure";

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
export const MAX_POINTS = 10_000;

/** The UTC starts of the hours, days or months that cover [from, to). */
export function bucketStarts(from: number, to: number, granularity: TimeseriesRequest["granularity"]): number[] {
  const starts: number[] = [];
  if (granularity === "month") {
    const first = new Date(from);
    let month = first.getUTCFullYear() * 12 + first.getUTCMonth();
    for (let start = monthStart(month); start < to; start = monthStart(++month)) {
      starts.push(start);
      if (starts.length > MAX_POINTS) break;
    }
    return starts;
  }
  const step = granularity === "hour" ? HOUR_MS : DAY_MS;
  for (let start = Math.floor(from / step) * step; start < to && starts.length <= MAX_POINTS; start += step) {
    starts.push(start);
  }
  return starts;
}

/**
 * A customer's usage of one feature per hour, day or month of [from, to), from the rollups: every bucket, zero
 * when empty, valued with the feature's aggregation; a gauge's points are its level at the end of each bucket.
 */
export async function queryTimeseries({
  clickhouse,
  partitions,
  request,
  catalog,
  definition,
}: {
  clickhouse: ClickHouse;
  partitions: number;
  request: TimeseriesRequest;
  catalog: CatalogDefinition | undefined;
  definition: CustomerDefinition | undefined;
}): Promise<TimeseriesResult> {
  const { env, customer, feature, entity, from, to, granularity } = request;
  const starts = bucketStarts(from, to, granularity);
  if (starts.length > MAX_POINTS) throw invalidRequest(`The range holds more than ${MAX_POINTS} points`);
  const gauge = (definition?.features[feature]?.type ?? catalog?.features[feature]?.type) === "gauge";
  const where = [
    `partition = ${partitionOf(env, customer, partitions)}`,
    `env = ${quote(env)}`,
    `customer = ${quote(customer)}`,
    `feature = ${quote(feature)}`,
    ...(entity === null ? [] : [`entity = ${quote(entity)}`]),
  ].join(" AND ");
  const index =
    granularity === "month"
      ? `arrayCount(b -> b <= bucket, [${starts.slice(1).join(",")}])`
      : `intDiv(bucket - ${starts[0]}, ${granularity === "hour" ? HOUR_MS : DAY_MS})`;
  const rows = await clickhouse.query<{ i: string; value: number | string }>(
    `SELECT ${index} AS i, ${valueSql(gauge ? "sum" : aggregationOf(catalog, feature))} AS value
     FROM rollups FINAL WHERE ${where} AND bucket >= ${from} AND bucket < ${to} GROUP BY i`,
  );
  const values = new Map(rows.map((row) => [int(row.i), Number(row.value)]));
  let level = 0;
  if (gauge) {
    const [base] = await clickhouse.query<{ level: number }>(
      `SELECT sum(sum) AS level FROM rollups FINAL WHERE ${where} AND bucket < ${from}`,
    );
    level = base?.level ?? 0;
  }
  return {
    points: starts.map((start, i) => {
      if (!gauge) return { start, value: values.get(i) ?? 0 };
      level += values.get(i) ?? 0;
      return { start, value: level };
    }),
  };
}

function monthStart(month: number): number {
  return Date.UTC(Math.floor(month / 12), month % 12, 1);
}
