// The report's SELECT over `report_rollup`, written once for both SQL stores, and its rows read back.
import {
  DIMENSION_COLUMNS,
  isCampaignLevel,
  type ReportQuery,
  type ReportRow,
  reportScans,
} from "../../domain/report-query.ts";
import {
  AUCTION_SUM_COLUMNS,
  CAMPAIGN_SUM_COLUMNS,
  DAY_MS,
  ROLLUP_MAX_COLUMNS,
  ROLLUP_SUM_COLUMNS,
} from "../../domain/rollup.ts";

/**
 * The SELECT for a report. Every value in it is a computed integer, inlined. Each scan is a range of the
 * (grain, hour, ...) primary key on both stores.
 */
export function reportSql(query: ReportQuery): string {
  const keys = query.dimensions.map((dimension) => DIMENSION_COLUMNS[dimension]);
  const period = periodExpression(query.time);
  const groups = [...(period ? ["period"] : []), ...keys];
  const measures = isCampaignLevel(query.dimensions) ? CAMPAIGN_SUM_COLUMNS : AUCTION_SUM_COLUMNS;
  const select = [
    ...keys,
    ...(period ? [`${period} AS period`] : []),
    ...measures.map((column) => `SUM(${column}) AS ${column}`),
    ...(isCampaignLevel(query.dimensions) ? ROLLUP_MAX_COLUMNS : ["bid_cents_max"]).map(
      (column) => `MAX(${column}) AS ${column}`,
    ),
  ];
  const live = query.includeTest ? "" : " AND NOT test";
  const ranges = reportScans(query).map(
    (scan) =>
      `(grain = ${scan.grain} AND hour >= ${Math.trunc(scan.from)} AND hour < ${Math.trunc(scan.to)}${live})`,
  );
  return `SELECT ${select.join(", ")} FROM report_rollup WHERE ${ranges.join(" OR ")}${
    groups.length > 0 ? ` GROUP BY ${groups.join(", ")} ORDER BY ${groups.join(", ")}` : ""
  }`;
}

function periodExpression(time: ReportQuery["time"]): string | undefined {
  if (!time) return undefined;
  if (time.unit === "hour") return "hour";
  const spans = time.offsets;
  const offset =
    spans.length === 1
      ? String(Math.trunc(spans[0]!.offsetMs))
      : `CASE ${spans
          .slice(0, -1)
          .map((span) => `WHEN hour < ${Math.trunc(span.until!)} THEN ${Math.trunc(span.offsetMs)}`)
          .join(" ")} ELSE ${Math.trunc(spans.at(-1)!.offsetMs)} END`;
  // Integer division on both stores (the operands are integers), and never negative for times after 1970.
  return `(hour + ${offset}) / ${DAY_MS}`;
}

/** A store's row (PostgreSQL returns sums as numeric strings) as a ReportRow. */
export function reportRowFrom(row: Record<string, unknown>, query: ReportQuery): ReportRow {
  const result: Record<string, unknown> = {};
  for (const dimension of query.dimensions) {
    const column = DIMENSION_COLUMNS[dimension];
    result[column] = String(row[column]);
  }
  if (query.time) result.period = Number(row.period);
  for (const column of [...ROLLUP_SUM_COLUMNS, ...ROLLUP_MAX_COLUMNS])
    result[column] = Number(row[column] ?? 0);
  return result as ReportRow;
}
