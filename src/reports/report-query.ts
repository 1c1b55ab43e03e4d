// What a store is asked for a report, and the one SELECT both SQL stores run over `report_rollup` to answer it.
import {
  AUCTION_SUM_COLUMNS,
  CAMPAIGN_SUM_COLUMNS,
  DAY_MS,
  GRAIN,
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

/** Whether a report reads campaign rows (grouped by buyer or campaign) or auction rows (the source's side). */
export function isCampaignLevel(dimensions: readonly ReportDimension[]): boolean {
  return dimensions.includes("buyer") || dimensions.includes("campaign");
}

/** One contiguous stretch of the primary key a report reads: a grain, from one period start to another. */
interface Scan {
  grain: number;
  from: number;
  to: number;
}

/**
 * Where a report reads: the all-sources rows unless it groups by source or sub-id (the all-sub-ids rows when only by
 * source), the campaign rows when it groups by buyer or campaign, and the daily rows for the whole UTC days of its
 * range with hourly rows at the edges, unless it groups by hour, or by day in a zone not at UTC's offset throughout,
 * or by source (or sub-id) and campaign (or buyer).
 */
export function reportScans(query: ReportQuery): Scan[] {
  const bySubId = query.dimensions.includes("sub_id");
  const bySource = bySubId || query.dimensions.includes("source");
  const level = isCampaignLevel(query.dimensions) ? GRAIN.campaign : 0;
  const hourly = level | (bySubId ? 0 : bySource ? GRAIN.allSubIds : GRAIN.allSources);
  const daily = level | GRAIN.daily | (bySource ? 0 : GRAIN.allSources);
  const needsHours =
    query.time?.unit === "hour" ||
    (query.time?.unit === "day" && query.time.offsets.some((span) => span.offsetMs !== 0));
  const firstDay = Math.ceil(query.from / DAY_MS) * DAY_MS;
  const lastDay = Math.floor(query.to / DAY_MS) * DAY_MS;
  // Campaign rows are kept per day only over all sources (see RollupBatch).
  const noDays = level === GRAIN.campaign && bySource;
  if (needsHours || noDays || firstDay >= lastDay) return [{ grain: hourly, from: query.from, to: query.to }];
  return [
    { grain: hourly, from: query.from, to: firstDay },
    { grain: daily, from: firstDay, to: lastDay },
    { grain: hourly, from: lastDay, to: query.to },
  ].filter((scan) => scan.from < scan.to);
}

/**
 * The SELECT for a report. Every value in it is a computed integer, inlined. Each scan is a range of the
 * (grain, hour, ...) primary key on both stores.
 */
export function reportSql(query: ReportQuery, dialect: "sqlite" | "postgres"): string {
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
  const live = query.includeTest ? "" : dialect === "sqlite" ? " AND test = 0" : " AND NOT test";
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
