// What a store is asked for a report, and where in the rollups (src/domain/rollup.ts) the answer lies. The SELECT
// itself is the store's (src/store/sql/report-queries.ts).
import { DAY_MS, GRAIN, type RollupMaxColumn, type RollupSumColumn } from "./rollup.ts";

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
export interface Scan {
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
