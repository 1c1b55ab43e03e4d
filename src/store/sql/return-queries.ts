// The returns' and conversions' statements (what buyers send back about the leads they bought), written once.

import type { ReturnRecord } from "../../domain/records.ts";
import { CONVERSION_COLUMNS, conversionRowValues, RETURN_COLUMNS, returnRowValues } from "../record-rows.ts";
import type { ConversionGroup, ConversionRecord, ConversionReportQuery } from "../store.ts";
import { type Dialect, placeholders, type Statement, statement } from "./dialect.ts";

/** A return unless this buyer already returned this lead (or the id is taken): the first request stands. */
export const insertReturn = (d: Dialect, record: ReturnRecord): Statement =>
  statement(
    d,
    `INSERT INTO returns (${RETURN_COLUMNS}) VALUES (${placeholders(RETURN_COLUMNS)}) ON CONFLICT DO NOTHING`,
    returnRowValues(record),
  );

/** The return stored instead of `record` (same id, or the same buyer's return of the same lead). */
export const returnLike = (d: Dialect, record: ReturnRecord): Statement =>
  statement(d, "SELECT * FROM returns WHERE id = $1 OR (lead_id = $2 AND buyer_id = $3) LIMIT 1", [
    record.id,
    record.lead_id,
    record.buyer_id,
  ]);

export const getReturn = (d: Dialect, id: string): Statement =>
  statement(d, "SELECT * FROM returns WHERE id = $1", [id]);

/** Decides a pending return; answers it (no row when it was not pending). */
export const decideReturn = (
  d: Dialect,
  id: string,
  decision: { status: string; decided_at: number; decided_by: string },
): Statement =>
  statement(
    d,
    `UPDATE returns SET status = $1, decided_at = $2, decided_by = $3 WHERE id = $4 AND status = 'pending'
     RETURNING *`,
    [decision.status, decision.decided_at, decision.decided_by, id],
  );

/** With `claim`, only while no resale is recorded (the first caller takes it). */
export const setReturnResale = (d: Dialect, id: string, leadId: string | null, claim: boolean): Statement =>
  statement(
    d,
    "UPDATE returns SET resale_lead_id = $1 WHERE id = $2 AND (NOT $3 OR resale_lead_id IS NULL)",
    [leadId, id, d.bool(claim)],
  );

export const returnCounts = (d: Dialect, buyerId: string): Statement =>
  statement(
    d,
    `SELECT COUNT(*) FILTER (WHERE status = 'approved') AS approved,
            COUNT(*) FILTER (WHERE status = 'pending') AS pending
     FROM returns WHERE buyer_id = $1`,
    [buyerId],
  );

/** Of the leads named (a JSON array), those with an approved return. */
export const returnedLeadIds = (d: Dialect, leadIds: readonly string[]): Statement =>
  statement(
    d,
    `SELECT DISTINCT lead_id FROM returns WHERE status = 'approved' AND lead_id ${d.inJsonArray(1)}`,
    [JSON.stringify(leadIds)],
  );

/** A conversion unless this buyer reported this stage of this lead before (or the id is taken). */
export const insertConversion = (d: Dialect, record: ConversionRecord): Statement =>
  statement(
    d,
    `INSERT INTO conversions (${CONVERSION_COLUMNS}) VALUES (${placeholders(CONVERSION_COLUMNS)})
     ON CONFLICT DO NOTHING`,
    conversionRowValues(record),
  );

export const conversionLike = (d: Dialect, record: ConversionRecord): Statement =>
  statement(
    d,
    "SELECT * FROM conversions WHERE id = $1 OR (lead_id = $2 AND buyer_id = $3 AND stage = $4) LIMIT 1",
    [record.id, record.lead_id, record.buyer_id, record.stage],
  );

/** A stage's place in the funnel (contacted 1, quoted 2, closed 3; none 0), for ordering and for the report. */
function stageRank(column: string): string {
  return `CASE ${column} WHEN 'contacted' THEN 1 WHEN 'quoted' THEN 2 WHEN 'closed' THEN 3 ELSE 0 END`;
}

export const conversionsOf = (d: Dialect, leadId: string, buyerId: string): Statement =>
  statement(
    d,
    `SELECT * FROM conversions WHERE lead_id = $1 AND buyer_id = $2 ORDER BY ${stageRank("stage")}`,
    [leadId, buyerId],
  );

const CONVERSION_GROUP_COLUMNS: Record<ConversionGroup, string> = {
  source: "source_id",
  sub_id: "COALESCE(sub_id, '')",
  buyer: "buyer_id",
  campaign: "campaign_id",
  vertical: "vertical",
};

/**
 * The conversion report. Every sale of a non-test lead created in the range (a shared lead's buyers each count),
 * joined to its buyer's conversions through their (lead, buyer, stage) key; the furthest stage reached decides what
 * each sale counts as. Reads leads by their creation index, so it costs what the range holds.
 */
export function conversionReport(d: Dialect, query: ConversionReportQuery): Statement {
  const group = query.group_by ? CONVERSION_GROUP_COLUMNS[query.group_by] : undefined;
  const text = `
    SELECT ${group ? `${group} AS group_key, ` : ""}COUNT(*) AS sold,
      COUNT(*) FILTER (WHERE reached >= 1) AS contacted,
      COUNT(*) FILTER (WHERE reached >= 2) AS quoted,
      COUNT(*) FILTER (WHERE reached >= 3) AS closed,
      COALESCE(SUM(closed_value_cents), 0) AS closed_value_cents
    FROM (
      SELECT sales.source_id, sales.sub_id, sales.vertical, sales.buyer_id, sales.campaign_id,
        MAX(${stageRank("c.stage")}) AS reached,
        SUM(CASE WHEN c.stage = 'closed' THEN c.value_cents ELSE 0 END) AS closed_value_cents
      FROM (
        SELECT id, source_id, sub_id, vertical, buyer_id, campaign_id FROM leads
        WHERE leads.status = 'sold' AND NOT leads.test AND leads.created_at >= $1 AND leads.created_at < $2
        UNION ALL
        SELECT leads.id, leads.source_id, leads.sub_id, leads.vertical, ${d.elementText("s", "buyer_id")},
          ${d.elementText("s", "campaign_id")}
        FROM leads, ${d.jsonElements("leads.shares", "s")}
        WHERE leads.shares IS NOT NULL AND NOT leads.test AND leads.created_at >= $1 AND leads.created_at < $2
      ) AS sales
      LEFT JOIN conversions AS c ON c.lead_id = sales.id AND c.buyer_id = sales.buyer_id
      GROUP BY sales.id, sales.buyer_id, sales.source_id, sales.sub_id, sales.vertical, sales.campaign_id
    ) AS per_sale
    ${group ? `GROUP BY ${group} ORDER BY ${group}` : ""}`;
  return statement(d, text, [query.from, query.to]);
}
