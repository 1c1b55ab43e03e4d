// Rebuilding the report rollups from the raw events: the same RollupBatch the writes use, fed from the stored pings,
// outcomes and leads instead, so a rebuilt rollup equals the one the writes kept (the contract suite checks it).

import type { PingRecord } from "../../domain/records.ts";
import { RollupBatch } from "../../domain/rollup.ts";
import type { Row, RowCodec } from "../record-rows.ts";
import {
  DIMENSION_SELECT,
  dimensionsFromRow,
  LEAD_SELECT,
  OUTCOME_SELECT,
  rolledUpLeadFromRow,
  rolledUpOutcomeFromRow,
} from "./rollup-rows.ts";

/** Rows kept in memory before they are added to the table. */
const FLUSH_AT_ROWS = 20_000;

interface RebuildSource {
  /** Every row to count; `key` is a unique, indexed column (for paging on PostgreSQL), of type `keyType`. */
  sql: string;
  key: string;
  keyType: "text" | "bigint";
  add(batch: RollupBatch, row: Row, codec: RowCodec): void;
}

const SOURCES: readonly RebuildSource[] = [
  {
    sql: "SELECT p.id AS key, p.source_id, p.sub_id, p.vertical, p.test, p.status, p.created_at FROM pings AS p WHERE true",
    key: "p.id",
    keyType: "text",
    add: (batch, row, codec) =>
      batch.addAuction({
        ...dimensionsFromRow(row, codec),
        status: row.status as PingRecord["status"],
        created_at: Number(row.created_at),
      }),
  },
  {
    sql: `SELECT o.id AS key, ${OUTCOME_SELECT("o")}, ${DIMENSION_SELECT("p")}
          FROM outcomes AS o JOIN pings AS p ON p.id = o.auction_id WHERE o.phase = 'ping'`,
    key: "o.id",
    keyType: "bigint",
    add: (batch, row, codec) =>
      batch.addPingOutcome(rolledUpOutcomeFromRow(row), dimensionsFromRow(row, codec)),
  },
  {
    sql: `SELECT l.id AS key, ${LEAD_SELECT.split(", ")
      .map((column) => `l.${column}`)
      .join(", ")} FROM leads AS l WHERE true`,
    key: "l.id",
    keyType: "text",
    add: (batch, row, codec) => batch.addLead(rolledUpLeadFromRow(row, codec)),
  },
  {
    sql: `SELECT o.id AS key, ${OUTCOME_SELECT("o")}, ${DIMENSION_SELECT("l")}
          FROM outcomes AS o JOIN leads AS l ON l.auction_id = o.auction_id WHERE o.phase = 'post'`,
    key: "o.id",
    keyType: "bigint",
    add: (batch, row, codec) =>
      batch.addPostOutcome(rolledUpOutcomeFromRow(row), dimensionsFromRow(row, codec)),
  },
  {
    sql: `SELECT r.id AS key, r.campaign_id, r.buyer_id, ${DIMENSION_SELECT("l")}, l.created_at
          FROM returns AS r JOIN leads AS l ON l.id = r.lead_id WHERE r.status = 'approved'`,
    key: "r.id",
    keyType: "text",
    add: (batch, row, codec) =>
      batch.addReturn(
        { ...dimensionsFromRow(row, codec), created_at: Number(row.created_at) },
        { campaign_id: String(row.campaign_id), buyer_id: String(row.buyer_id) },
      ),
  },
];

/** SQLite: reads every row in one pass each (`outcomes` has no id column there: its `seq` stands in). */
export function rebuildRollupsFrom(
  rowsOf: (sql: string) => Iterable<Row>,
  codec: RowCodec,
  write: (batch: RollupBatch) => void,
): void {
  let batch = new RollupBatch();
  for (const source of SOURCES) {
    for (const row of rowsOf(source.sql.replace("o.id AS key", "o.seq AS key"))) {
      source.add(batch, row, codec);
      if (batch.size >= FLUSH_AT_ROWS) {
        write(batch);
        batch = new RollupBatch();
      }
    }
  }
  write(batch);
}

/** PostgreSQL: pages through each table by its key, `pageSize` rows a statement (no statement runs long). */
export async function rebuildRollupsPaged(
  /** Runs `sql`, with `after` as $1 when it is not null. */
  page: (sql: string, after: unknown) => Promise<Row[]>,
  codec: RowCodec,
  write: (batch: RollupBatch) => Promise<void>,
  pageSize = 50_000,
): Promise<void> {
  for (const source of SOURCES) {
    let after: unknown = null;
    for (;;) {
      const rows = await page(
        `${source.sql} ${after === null ? "" : `AND ${source.key} > $1::${source.keyType}`}
         ORDER BY ${source.key} LIMIT ${pageSize}`,
        after,
      );
      if (rows.length === 0) break;
      const batch = new RollupBatch();
      for (const row of rows) source.add(batch, row, codec);
      await write(batch);
      after = String(rows.at(-1)!.key);
    }
  }
}
