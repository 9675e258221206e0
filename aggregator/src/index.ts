export { type Aggregator, type AggregatorOptions, DEFAULT_FLUSH, startAggregator } from "./aggregator";
export { type ClickHouse, openClickHouse } from "./clickhouse";
export { openEmbeddedClickHouse } from "./clickhouse/embedded";
export { openServerClickHouse } from "./clickhouse/server";
export { encodeEventRows, type RawEventRow, rawEventRow } from "./storage/raw-events";
export { TABLES } from "./storage/schema";
