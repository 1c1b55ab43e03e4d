// Rows read back to rebuild the report rollups, and the statement that adds a batch of rollup rows to `report_rollup`.

import type { OutcomeRecord } from "../../domain/records.ts";
import {
  type AuctionDimensions,
  ROLLUP_COLUMNS,
  ROLLUP_KEY_COLUMNS,
  ROLLUP_MAX_COLUMNS,
  ROLLUP_SUM_COLUMNS,
  type RolledUpLead,
  type RolledUpOutcome,
  RollupBatch,
  type RollupRow,
} from "../../domain/rollup.ts";
import type { Row, RowCodec } from "../record-rows.ts";
import type { Dialect } from "./dialect.ts";

/** The columns to select (with a table alias) for `dimensionsFromRow`. */
export const DIMENSION_SELECT = (alias: string): string =>
  `${alias}.source_id, ${alias}.sub_id, ${alias}.vertical, ${alias}.test`;

export function dimensionsFromRow(row: Row, codec: RowCodec): AuctionDimensions {
  return {
    source_id: String(row.source_id),
    vertical: String(row.vertical),
    test: codec.bool(row.test),
    ...(row.sub_id === null || row.sub_id === undefined ? {} : { sub_id: String(row.sub_id) }),
  };
}

export const OUTCOME_SELECT = (alias: string): string =>
  `${alias}.campaign_id, ${alias}.buyer_id, ${alias}.reason, ${alias}.bid_cents, ${alias}.latency_ms, ${alias}.at`;

export function rolledUpOutcomeFromRow(row: Row): RolledUpOutcome {
  return {
    campaign_id: String(row.campaign_id),
    buyer_id: String(row.buyer_id),
    reason: row.reason as OutcomeRecord["reason"],
    ...(row.bid_cents === null || row.bid_cents === undefined ? {} : { bid_cents: Number(row.bid_cents) }),
    ...(row.latency_ms === null || row.latency_ms === undefined
      ? {}
      : { latency_ms: Number(row.latency_ms) }),
    at: Number(row.at),
  };
}

/** A lead's columns a rollup needs: never its PII. */
export const LEAD_SELECT =
  "source_id, sub_id, vertical, test, status, price_cents, buyer_price_cents, campaign_id, buyer_id, shares, created_at, " +
  "ping_to_post_ms";

export function rolledUpLeadFromRow(row: Row, codec: RowCodec): RolledUpLead {
  return {
    ...dimensionsFromRow(row, codec),
    status: row.status as RolledUpLead["status"],
    price_cents: Number(row.price_cents),
    created_at: Number(row.created_at),
    ...(row.buyer_price_cents === null ? {} : { buyer_price_cents: Number(row.buyer_price_cents) }),
    ...(row.campaign_id === null ? {} : { campaign_id: String(row.campaign_id) }),
    ...(row.buyer_id === null ? {} : { buyer_id: String(row.buyer_id) }),
    ...(row.shares === null ? {} : { shares: codec.json(row.shares) as RolledUpLead["shares"] }),
    ...(row.ping_to_post_ms === null || row.ping_to_post_ms === undefined
      ? {}
      : { ping_to_post_ms: Number(row.ping_to_post_ms) }),
  };
}

/**
 * INSERT ... ON CONFLICT for rollup rows: sums add up, maxima keep the larger. SQLite takes `rows` rows' placeholders
 * (rollupRowValues of each, one after another; see addRollup). PostgreSQL takes the whole batch as one JSON array
 * (rollupRowsJson), one statement per batch, into shard 0 (migration 28); the rows must be distinct, as RollupBatch
 * makes them.
 */
export function rollupUpsertSql(d: Dialect, rows = 1): string {
  const measures = [...ROLLUP_SUM_COLUMNS, ...ROLLUP_MAX_COLUMNS];
  const row = `(${ROLLUP_COLUMNS.map(() => "?").join(", ")})`;
  const postgres = d.name === "postgres";
  const values = !postgres
    ? `VALUES ${Array.from({ length: rows }, () => row).join(", ")}`
    : // A measure left out of a row's JSON is 0.
      `SELECT ${ROLLUP_KEY_COLUMNS.join(", ")}, ${measures.map((column) => `COALESCE(${column}, 0)`).join(", ")}, 0
         FROM jsonb_to_recordset($1::jsonb) AS batch (${rollupRecordColumns()})`;
  return `INSERT INTO report_rollup (${ROLLUP_COLUMNS.join(", ")}${postgres ? ", shard" : ""}) ${values}
          ${rollupOnConflict(d)}`;
}

/**
 * The rollup upsert's ON CONFLICT clause: sums add up, maxima keep the larger. PostgreSQL keys each row by its `shard`
 * too (migration 28).
 */
export function rollupOnConflict(d: Dialect): string {
  const update = [
    ...ROLLUP_SUM_COLUMNS.map((column) => `${column} = report_rollup.${column} + excluded.${column}`),
    ...ROLLUP_MAX_COLUMNS.map(
      (column) => `${column} = ${d.greatest}(report_rollup.${column}, excluded.${column})`,
    ),
  ].join(", ");
  const shard = d.name === "postgres" ? ", shard" : "";
  return `ON CONFLICT (${ROLLUP_KEY_COLUMNS.join(", ")}${shard}) DO UPDATE SET ${update}`;
}

/** A rollup row's columns with their types, as PostgreSQL's `json(b)_to_recordset` reads rollupRowsJson's rows. */
export function rollupRecordColumns(): string {
  return ROLLUP_COLUMNS.map((column) => `${column} ${postgresType(column)}`).join(", ");
}

function postgresType(column: string): string {
  if (column === "test") return "boolean";
  if (column === "grain") return "smallint";
  return column.endsWith("_id") || column === "vertical" ? "text" : "bigint";
}

/**
 * A batch as the JSON PostgreSQL's upsert reads: each row's key and only its measures that are not 0 (most are 0:
 * a row counts pings or posts or sales, and one latency bucket of sixteen), so the batch travels and parses fast.
 */
export function rollupRowsJson(rows: readonly RollupRow[]): string {
  const measures = [...ROLLUP_SUM_COLUMNS, ...ROLLUP_MAX_COLUMNS];
  return JSON.stringify(
    rows.map((row) => {
      const json: Record<string, unknown> = {
        grain: row.grain,
        hour: row.hour,
        test: row.test,
        source_id: row.source_id,
        sub_id: row.sub_id,
        vertical: row.vertical,
        campaign_id: row.campaign_id,
        buyer_id: row.buyer_id,
      };
      for (const column of measures) if (row[column] !== 0) json[column] = row[column];
      return json;
    }),
  );
}

/** An approved return's rollup counts, from its lead's dimension columns and the return row (see addReturn). */
export function returnRollup(lead: Row, returned: Row, codec: RowCodec): RollupBatch {
  const batch = new RollupBatch();
  batch.addReturn(
    { ...dimensionsFromRow(lead, codec), created_at: Number(lead.created_at) },
    { campaign_id: String(returned.campaign_id), buyer_id: String(returned.buyer_id) },
  );
  return batch;
}
