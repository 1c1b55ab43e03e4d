// The admin report: what a request asks for (checked here, so bad input is a 400 naming its field), the query it
// becomes, and the figures per group computed from the rollup sums a store returns.

import {
  isCampaignLevel,
  type OffsetSpan,
  REPORT_DIMENSIONS,
  type ReportDimension,
  type ReportQuery,
  type ReportRow,
} from "../domain/report-query.ts";
import { HOUR_MS, LATENCY_BOUNDS_MS, LATENCY_COLUMNS } from "../domain/rollup.ts";
import { computeLocalTime, isValidTimeZone } from "../domain/rules/local-time.ts";
import { GavelError } from "../errors.ts";
import { parseInstant } from "../instants.ts";

export const GROUP_BY_VALUES = [...REPORT_DIMENSIONS, "hour", "day"] as const;
export type GroupBy = (typeof GROUP_BY_VALUES)[number];

/** The request, as the query string carries it. */
export interface ReportRequest {
  from: string;
  to: string;
  /** Comma-separated GROUP_BY_VALUES. */
  group_by?: string;
  time_zone?: string;
  include_test?: "true" | "false";
}

/** The longest range one report covers (its hours are scanned, and its days' offsets computed, per request). */
export const MAX_RANGE_DAYS = 400;
const DAY_MS = 86_400_000;

export interface ParsedReportRequest {
  query: ReportQuery;
  groupBy: GroupBy[];
  timeZone: string;
}

/** Checks a request and turns it into a store query. The range widens to whole hours: rollups are kept per hour. */
export function parseReportRequest(request: ReportRequest): ParsedReportRequest {
  const from = parseInstant(request.from, "from");
  const to = parseInstant(request.to, "to");
  if (to <= from) throw new GavelError("GAVEL_VALIDATION", "to must be later than from", "to");
  if (to - from > MAX_RANGE_DAYS * DAY_MS) {
    throw new GavelError("GAVEL_VALIDATION", `a report covers at most ${MAX_RANGE_DAYS} days`, "to");
  }
  const groupBy = parseGroupBy(request.group_by);
  const timeZone = request.time_zone ?? "UTC";
  if (!isValidTimeZone(timeZone)) {
    throw new GavelError("GAVEL_VALIDATION", `time_zone "${timeZone}" is not an IANA time zone`, "time_zone");
  }
  const query: ReportQuery = {
    from: Math.floor(from / HOUR_MS) * HOUR_MS,
    to: Math.ceil(to / HOUR_MS) * HOUR_MS,
    dimensions: groupBy.filter((value): value is ReportDimension => value !== "hour" && value !== "day"),
    includeTest: request.include_test === "true",
  };
  if (groupBy.includes("hour")) query.time = { unit: "hour" };
  if (groupBy.includes("day"))
    query.time = { unit: "day", offsets: offsetSpans(timeZone, query.from, query.to) };
  return { query, groupBy, timeZone };
}

function parseGroupBy(text: string | undefined): GroupBy[] {
  if (text === undefined || text === "") return [];
  const values = text.split(",").map((value) => value.trim());
  for (const value of values) {
    if (!(GROUP_BY_VALUES as readonly string[]).includes(value)) {
      throw new GavelError(
        "GAVEL_VALIDATION",
        `group_by "${value}" is not one of ${GROUP_BY_VALUES.join(", ")}`,
        "group_by",
      );
    }
  }
  if (new Set(values).size !== values.length) {
    throw new GavelError("GAVEL_VALIDATION", "group_by names a grouping twice", "group_by");
  }
  if (values.includes("hour") && values.includes("day")) {
    throw new GavelError("GAVEL_VALIDATION", "group_by takes hour or day, not both", "group_by");
  }
  return values as GroupBy[];
}

/** The zone's UTC offset over [from, to), as spans. Rollups are hourly: the offset must be whole hours. */
export function offsetSpans(timeZone: string, from: number, to: number): OffsetSpan[] {
  const offsetAt = (hour: number) => {
    const offsetMs = utcOffsetMs(timeZone, hour);
    if (offsetMs % HOUR_MS !== 0) {
      throw new GavelError(
        "GAVEL_VALIDATION",
        `${timeZone} is not a whole number of hours from UTC: reports are kept per hour, so its days cannot be told apart`,
        "time_zone",
      );
    }
    return offsetMs;
  };
  let current: OffsetSpan = { offsetMs: offsetAt(from) };
  const spans = [current];
  // A day at a time; where the offset changed, hour by hour back to the change (zones change at most a few times a
  // year, so a year's range costs a few hundred look-ups, not nine thousand).
  for (let day = from + DAY_MS; day < to + DAY_MS; day += DAY_MS) {
    const last = Math.min(day, to - HOUR_MS);
    if (offsetAt(last) === current.offsetMs) continue;
    for (let hour = day - DAY_MS + HOUR_MS; hour <= last; hour += HOUR_MS) {
      const offsetMs = offsetAt(hour);
      if (offsetMs === current.offsetMs) continue;
      current.until = hour;
      current = { offsetMs };
      spans.push(current);
    }
  }
  return spans;
}

function utcOffsetMs(timeZone: string, at: number): number {
  const local = computeLocalTime(timeZone, at);
  const asUtc = Date.UTC(local.year, local.month - 1, local.day, local.hour, local.minute);
  return asUtc - Math.floor(at / 60_000) * 60_000;
}

/**
 * The answer: each group's keys, then its figures. Money in dollars; rates from 0 to 1; null when there is nothing to
 * divide.
 */
export function presentReport(parsed: ParsedReportRequest, rows: readonly ReportRow[]) {
  const { query, groupBy, timeZone } = parsed;
  const campaignLevel = isCampaignLevel(query.dimensions);
  return {
    from: new Date(query.from).toISOString(),
    to: new Date(query.to).toISOString(),
    time_zone: timeZone,
    group_by: groupBy,
    groups: rows.map((row) => ({ ...groupKeys(row, groupBy, timeZone), ...figures(row, campaignLevel) })),
  };
}

/** A group's keys: the dimensions and the hour or day it was grouped by. */
export type GroupKeys = Partial<
  Record<"source_id" | "sub_id" | "buyer_id" | "campaign_id" | "vertical" | "hour" | "day", string | null>
>;

function groupKeys(row: ReportRow, groupBy: readonly GroupBy[], timeZone: string): GroupKeys {
  const keys: GroupKeys = {};
  for (const value of groupBy) {
    if (value === "hour") keys.hour = localIso(row.period!, timeZone);
    else if (value === "day") keys.day = new Date(row.period! * DAY_MS).toISOString().slice(0, 10);
    else if (value === "source") keys.source_id = row.source_id;
    else if (value === "buyer") keys.buyer_id = row.buyer_id;
    else if (value === "campaign") keys.campaign_id = row.campaign_id;
    else if (value === "vertical") keys.vertical = row.vertical;
    else keys.sub_id = row.sub_id === "" ? null : row.sub_id;
  }
  return keys;
}

/** An instant as local time with its offset: 2026-11-01T01:00:00-04:00. */
function localIso(at: number, timeZone: string): string {
  const offsetMs = utcOffsetMs(timeZone, at);
  const local = new Date(at + offsetMs).toISOString().slice(0, 19);
  if (offsetMs === 0) return `${local}Z`;
  const minutes = Math.abs(offsetMs) / 60_000;
  const sign = offsetMs < 0 ? "-" : "+";
  return `${local}${sign}${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}

const pad = (value: number) => String(value).padStart(2, "0");

function figures(row: ReportRow, campaignLevel: boolean) {
  // Grouped by buyer or campaign, the figures are that campaign's side: pings it was sent, its posts and sales. Else
  // the source's side: auctions, leads posted and sold (a shared lead is one lead, sold to several buyers).
  const pings = campaignLevel ? row.pinged : row.auctions;
  const posts = campaignLevel ? row.posts : row.leads;
  const accepted = campaignLevel ? row.posts_accepted : row.leads_sold;
  const sold = campaignLevel ? row.sales : row.leads_sold;
  const revenueCents = campaignLevel ? row.revenue_cents : row.lead_revenue_cents;
  const payoutCents = campaignLevel ? row.payout_cents : row.lead_payout_cents;
  return {
    pings,
    bids: row.bids,
    bid_rate: ratio(campaignLevel ? row.bids : row.auctions_with_bid, pings),
    avg_bid: row.bids === 0 ? null : Math.round(row.bid_cents_sum / row.bids) / 100,
    max_bid: row.bids === 0 ? null : row.bid_cents_max / 100,
    wins: row.wins,
    posts,
    post_accept_rate: ratio(accepted, posts),
    sold,
    revenue: revenueCents / 100,
    payouts: payoutCents / 100,
    margin: (revenueCents - payoutCents) / 100,
    // Approved returns of the leads sold in the period (by the group's campaigns, when grouped by buyer or campaign).
    returns: row.returns,
    earnings_per_lead: posts === 0 ? null : Math.round(revenueCents / posts) / 100,
    // Of the ping-post leads (by buyer or campaign: of those it bought); a direct post has no ping.
    avg_ping_to_post_ms:
      row.ping_to_post_count === 0 ? null : Math.round(row.ping_to_post_ms_sum / row.ping_to_post_count),
    ...(campaignLevel
      ? { latency_ms: latencyPercentiles(row), timeouts: row.timeouts, errors: row.errors }
      : {}),
  };
}

function ratio(part: number, whole: number): number | null {
  return whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000;
}

/**
 * p50, p95 and p99 of the ping latencies, from the rollup's histogram: each is the upper bound of the bucket holding
 * that rank (never above the slowest answer seen), so it overstates the exact figure by less than one bucket.
 */
export function latencyPercentiles(
  row: Pick<ReportRow, (typeof LATENCY_COLUMNS)[number] | "latency_max">,
): { p50: number; p95: number; p99: number } | null {
  const counts = LATENCY_COLUMNS.map((column) => row[column]);
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const at = (p: number) => {
    const rank = Math.ceil(p * total);
    let seen = 0;
    for (let bucket = 0; bucket < counts.length; bucket++) {
      seen += counts[bucket]!;
      if (seen >= rank) return Math.min(LATENCY_BOUNDS_MS[bucket] ?? row.latency_max, row.latency_max);
    }
    return row.latency_max;
  };
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}
