import { partitionOf, type ReadingsRequest, type ReadingsResult } from "@lumen/core";
import type { ClickHouse } from "../clickhouse";
import { int, quote } from "../storage/schema";

/**
 * The readings one feature's counted events of a customer applied over [from, to) (by event time), grouped by value:
 * a `percentage` price bills each event's amount, and equal amounts cost the same. Repeats of an idempotency key are
 * not counted, as for every other total.
 */
export async function queryReadings({
  clickhouse,
  partitions,
  request,
}: {
  clickhouse: ClickHouse;
  partitions: number;
  request: ReadingsRequest;
}): Promise<ReadingsResult["readings"]> {
  const { env, customer, feature, from, to } = request;
  const rows = await clickhouse.query<{ reading: number; events: string | number }>(
    `SELECT readings[indexOf(features, ${quote(feature)})] AS reading, count() AS events FROM events FINAL
     WHERE partition = ${partitionOf(env, customer, partitions)} AND env = ${quote(env)}
       AND customer = ${quote(customer)} AND counted = 1 AND has(features, ${quote(feature)})
       AND timestamp >= ${from} AND timestamp < ${to}
     GROUP BY reading ORDER BY reading`,
  );
  return rows.map((row) => ({ value: Number(row.reading), count: int(row.events) }));
}
