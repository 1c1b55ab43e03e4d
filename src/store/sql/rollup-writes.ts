// Keeping the report rollups up to date inside the transaction of each write that changes what they count.

import type { LeadRecord, OutcomeRecord, PingRecord } from "../../domain/records.ts";
import {
  type AuctionDimensions,
  RollupBatch,
  rollupAuctionEvents,
  rollupLead,
  rollupRowValues,
} from "../../domain/rollup.ts";
import { POSTGRES_CODEC, type Row, type RowCodec, SQLITE_CODEC } from "../record-rows.ts";
import { type Dialect, SQLITE, type SqlTx, sqliteChunks, statement } from "./dialect.ts";
import {
  DIMENSION_SELECT,
  dimensionsFromRow,
  returnRollup,
  rollupRowsJson,
  rollupUpsertSql,
} from "./rollup-rows.ts";

/** How each database hands back JSON and booleans (no PII keys: rollups never read PII). */
export const codecOf = (d: Dialect): RowCodec => (d.name === "sqlite" ? SQLITE_CODEC : POSTGRES_CODEC);

/**
 * Adds a batch to the report rollups; the rows come sorted, so concurrent writers lock them in the same order.
 * PostgreSQL takes the whole batch as one JSON array; SQLite multi-row upserts of a few fixed sizes (sqliteChunks),
 * each text built once, on its writer thread.
 */
export async function addRollup(tx: SqlTx, d: Dialect, batch: RollupBatch): Promise<void> {
  if (batch.size === 0) return;
  const rows = batch.rows();
  if (d.name === "postgres") {
    await tx.run({ text: rollupUpsertSql(d), values: [rollupRowsJson(rows)], name: "gavel_upsert_rollup" });
    return;
  }
  let next = 0;
  for (const size of sqliteChunks(rows.length)) {
    const values: unknown[] = [];
    for (const end = next + size; next < end; next++) values.push(...rollupRowValues(rows[next]!, d.bool));
    await tx.run({ text: sqliteUpsertText(size), values });
  }
}

/** SQLite's upsert of `rows` rollup rows, by row count: built once each. */
const sqliteUpserts = new Map<number, string>();

function sqliteUpsertText(rows: number): string {
  let text = sqliteUpserts.get(rows);
  if (text === undefined) {
    text = rollupUpsertSql(SQLITE, rows);
    sqliteUpserts.set(rows, text);
  }
  return text;
}

/** The rollup of a batch of pings and outcomes; ping-phase outcomes whose ping an earlier batch wrote find it here. */
export async function auctionEventsRollup(
  tx: SqlTx,
  d: Dialect,
  written: readonly PingRecord[],
  outcomes: readonly OutcomeRecord[],
): Promise<RollupBatch> {
  const inBatch = new Set(written.map((ping) => ping.id));
  const missing = [
    ...new Set(
      outcomes.filter((o) => o.phase === "ping" && !inBatch.has(o.auction_id)).map((o) => o.auction_id),
    ),
  ];
  const earlier = new Map<string, AuctionDimensions>();
  if (missing.length > 0) {
    const text = `SELECT p.id, ${DIMENSION_SELECT("p")} FROM pings AS p WHERE p.id ${d.inJsonArray(1)}`;
    const { rows } = await tx.run(statement(d, text, [JSON.stringify(missing)]));
    for (const row of rows) earlier.set(String(row.id), dimensionsFromRow(row, codecOf(d)));
  }
  return rollupAuctionEvents(written, outcomes, (id) => earlier.get(id));
}

export const leadRollup = (lead: LeadRecord, outcomes: readonly OutcomeRecord[]): RollupBatch =>
  rollupLead(lead, outcomes);

/** What an approved return takes off its lead's rollup. */
export async function returnRollupOf(tx: SqlTx, d: Dialect, returned: Row): Promise<RollupBatch> {
  const text = `SELECT ${DIMENSION_SELECT("l")}, l.created_at FROM leads AS l WHERE l.id = $1`;
  const [lead] = (await tx.run(statement(d, text, [returned.lead_id]))).rows;
  return lead ? returnRollup(lead, returned, codecOf(d)) : new RollupBatch();
}
