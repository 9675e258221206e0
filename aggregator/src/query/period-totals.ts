import {
  aggregationOf,
  type CatalogDefinition,
  type CustomerDefinition,
  type PeriodTotalsRequest,
  type PeriodTotalsResult,
  partitionOf,
} from "@lumen/core";
import type { ClickHouse } from "../clickhouse";
import { quote } from "../storage/schema";
import { valueSql } from "./aggregate-sql";

/**
 * A customer's usage over [from, to) per feature and entity, and per feature for the whole customer (entity
 * null), valued with each feature's aggregation from the rollups; a gauge's value is its level at `to`.
 * Features without an event in the range are left out (gauges: without any event before `to`).
 */
export async function queryPeriodTotals({
  clickhouse,
  partitions,
  request,
  catalog,
  definition,
}: {
  clickhouse: ClickHouse;
  partitions: number;
  request: PeriodTotalsRequest;
  catalog: CatalogDefinition | undefined;
  definition: CustomerDefinition | undefined;
}): Promise<PeriodTotalsResult["totals"]> {
  const { env, customer, from, to } = request;
  const inRange = `bucket >= ${from}`;
  // Aliases differ from the column names: ClickHouse resolves a name to an alias first.
  const select = `feature,
    sumIf(sum, ${inRange}) AS period_sum, maxIf(max, ${inRange}) AS period_max, sum(sum) AS level,
    countIf(${inRange}) AS period_rows, ${valueSql("latest", inRange)} AS period_latest,
    ${valueSql("unique_count", inRange)} AS period_uniques`;
  const from_ = `FROM rollups FINAL WHERE partition = ${partitionOf(env, customer, partitions)}
    AND env = ${quote(env)} AND customer = ${quote(customer)} AND bucket < ${to}`;
  const [perEntity, perCustomer] = await Promise.all([
    clickhouse.query<TotalsRow & { entity: string }>(
      `SELECT entity, ${select} ${from_} AND entity != '' GROUP BY feature, entity ORDER BY feature, entity`,
    ),
    clickhouse.query<TotalsRow>(`SELECT ${select} ${from_} GROUP BY feature ORDER BY feature`),
  ]);
  const totals: PeriodTotalsResult["totals"] = [];
  for (const row of [...perCustomer.map((r) => ({ ...r, entity: null })), ...perEntity]) {
    const gauge = (definition?.features[row.feature]?.type ?? catalog?.features[row.feature]?.type) === "gauge";
    if (gauge) {
      totals.push({ feature: row.feature, entity: row.entity || null, value: row.level });
      continue;
    }
    if (Number(row.period_rows) === 0) continue;
    const aggregation = aggregationOf(catalog, row.feature);
    const value =
      aggregation === "max"
        ? row.period_max
        : aggregation === "latest"
          ? row.period_latest
          : aggregation === "unique_count"
            ? Number(row.period_uniques)
            : row.period_sum;
    totals.push({ feature: row.feature, entity: row.entity || null, value });
  }
  return totals;
}

interface TotalsRow {
  feature: string;
  period_sum: number;
  period_max: number;
  level: number;
  period_rows: string;
  period_latest: number;
  period_uniques: string;
}
