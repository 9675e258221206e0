import { type EventsPage, type EventsRequest, partitionOf } from "@lumen/core";
import type { ClickHouse } from "../clickhouse";
import { eventOfRow, parseStoredRow, type RawEventRow } from "../storage/raw-events";
import { int, quote } from "../storage/schema";
import { invalidRequest } from "./query-failure";

/**
 * Raw events newest first (by event time, then id), filtered by customer, feature (tracked by it, or counted
 * toward it through a meter) and time, continuing after the event `startingAfter`.
 */
export async function queryEventsPage({
  clickhouse,
  partitions,
  request,
}: {
  clickhouse: ClickHouse;
  partitions: number;
  request: EventsRequest;
}): Promise<EventsPage> {
  const { env, customer, feature, from, to, limit, startingAfter } = request;
  const where = [`env = ${quote(env)}`];
  if (customer !== null) {
    where.push(`partition = ${partitionOf(env, customer, partitions)}`, `customer = ${quote(customer)}`);
  }
  if (feature !== null) where.push(`(feature = ${quote(feature)} OR has(features, ${quote(feature)}))`);
  if (from !== null) where.push(`timestamp >= ${from}`);
  if (to !== null) where.push(`timestamp < ${to}`);
  if (startingAfter !== null) {
    const [cursor] = await clickhouse.query<{ timestamp: string }>(
      `SELECT timestamp FROM events WHERE ${where[0]} AND id = ${quote(startingAfter)} LIMIT 1`,
    );
    if (!cursor) throw invalidRequest(`startingAfter: no event with id '${startingAfter}'`);
    const at = int(cursor.timestamp);
    where.push(`(timestamp < ${at} OR (timestamp = ${at} AND id < ${quote(startingAfter)}))`);
  }
  const rows = await clickhouse.query<Parameters<typeof parseStoredRow>[0]>(
    `SELECT * FROM events FINAL WHERE ${where.join(" AND ")} ORDER BY timestamp DESC, id DESC LIMIT ${limit + 1}`,
  );
  return { data: rows.slice(0, limit).map((row) => pageEntry(parseStoredRow(row))), hasMore: rows.length > limit };
}

function pageEntry(row: RawEventRow): EventsPage["data"][number] {
  const { env: _env, ...event } = eventOfRow(row);
  return { ...event, counted: row.counted === 1, features: row.features };
}
