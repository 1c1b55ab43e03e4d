// What a store is asked for a report, and the one SELECT both SQL stores run over `report_rollup` to answer it.
import {
  ROLLUP_MAX_COLUMNS,
  ROLLUP_SUM_COLUMNS,
  type RollupMaxColumn,
  type RollupSumColumn,
} from "./rollup.ts";

export const REPORT_DIMENSIONS = ["source", "sub_id", "buyer", "campaign", "vertical"] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];

/** The rollup column each dimension groups by. */
export const DIMENSION_COLUMNS = {
  source: "source_id",
  sub_id: "sub_id",
  buyer: "buyer_id",
  campaign: "campaign_id",
  vertical: "vertical",
} as const satisfies Record<ReportDimension, string>;

/** From `until` (exclusive, epoch ms; the last span has none) back to the previous span, the zone's UTC offset. */
export interface OffsetSpan {
  until?: number;
  offsetMs: number;
}

export interface ReportQuery {
  /** Epoch ms, on a whole hour: the first hour counted. */
  from: number;
  /** Epoch ms, on a whole hour: the first hour not counted. */
  to: number;
  dimensions: readonly ReportDimension[];
  /**
   * Group by the hour (each UTC hour its own group), or by the local day: the days are numbered from the epoch after
   * shifting each hour by its zone's offset (spans in order, covering the range).
   */
  time?: { unit: "hour" } | { unit: "day"; offsets: readonly OffsetSpan[] };
  /** Count test traffic too (default: only live). */
  includeTest?: boolean;
}

/** One group's sums, as the store returns them: the dimensions asked for, and `period` when grouped by time. */
export type ReportRow = Partial<Record<(typeof DIMENSION_COLUMNS)[ReportDimension], string>> & {
  /** The hour's start (epoch ms), or the local day's number (days since 1970-01-01). */
  period?: number;
} & Record<RollupSumColumn | RollupMaxColumn, number>;

/** Whether a report reads campaign rows (grouped by buyer or campaign) or every row (source-side totals). */
export function isCampaignLevel(dimensions: readonly ReportDimension[]): boolean {
  return dimensions.includes("buyer") || dimensions.includes("campaign");
}

const DAY_MS = 86_400_000;

/**
 * The SELECT for a report, with `from` and `to` as its two parameters. Offsets are computed integers, inlined. The
 * (hour, ...) primary key makes the range a contiguous index scan on both stores.
 */
export function reportSql(query: ReportQuery, dialect: "sqlite" | "postgres"): string {
  const keys = query.dimensions.map((dimension) => DIMENSION_COLUMNS[dimension]);
  const period = periodExpression(query.time);
  const groups = [...(period ? ["period"] : []), ...keys];
  const select = [
    ...keys,
    ...(period ? [`${period} AS period`] : []),
    ...ROLLUP_SUM_COLUMNS.map((column) => `SUM(${column}) AS ${column}`),
    ...ROLLUP_MAX_COLUMNS.map((column) => `MAX(${column}) AS ${column}`),
  ];
  const where = [
    dialect === "sqlite" ? "hour >= ? AND hour < ?" : "hour >= $1 AND hour < $2",
    ...(query.includeTest ? [] : [dialect === "sqlite" ? "test = 0" : "NOT test"]),
    // Grouped by buyer or campaign, the auction rows (campaign_id '') would form a group of their own.
    ...(isCampaignLevel(query.dimensions) ? ["campaign_id <> ''"] : []),
  ];
  return `SELECT ${select.join(", ")} FROM report_rollup WHERE ${where.join(" AND ")}${
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
