// The auction log's statements (pings and their buyers' outcomes), written once over the dialect seam.
import { REASONS } from "../../domain/outcomes.ts";
import type { OutcomeRecord, PingRecord } from "../../domain/records.ts";
import { type Dialect, type SqlResult, type Statement, sqliteChunks, statement } from "./dialect.ts";

export const getPing = (d: Dialect, id: string): Statement =>
  statement(d, "SELECT * FROM pings WHERE id = $1", [id]);

/** An auction's outcomes: the ping phase first, each phase in the order written. */
export const outcomesOf = (d: Dialect, auctionId: string): Statement =>
  statement(
    d,
    `SELECT * FROM outcomes WHERE auction_id = $1 ORDER BY phase = 'post', ${d.insertionOrder("outcomes")}`,
    [auctionId],
  );

/** Pings with bids that have not expired and were not posted. */
export const heldPings = (d: Dialect, now: number): Statement =>
  statement(
    d,
    `SELECT * FROM pings WHERE status = 'bid' AND kind = 'ping' AND expires_at > $1
       AND NOT EXISTS (SELECT 1 FROM leads WHERE leads.auction_id = pings.id)`,
    [now],
  );

export const PING_COLUMNS = [
  ["id", "text"],
  ["kind", "text"],
  ["source_id", "text"],
  ["vertical", "text"],
  ["test", "boolean"],
  ["sub_id", "text"],
  ["created_at", "bigint"],
  ["expires_at", "bigint"],
  ["status", "text"],
  ["price_cents", "integer"],
  ["lead", "jsonb"],
  ["bids", "jsonb"],
  ["quality", "jsonb"],
] as const;

export const OUTCOME_COLUMNS = [
  ["auction_id", "text"],
  ["phase", "text"],
  ["campaign_id", "text"],
  ["buyer_id", "text"],
  ["reason", "text"],
  ["code", "integer"],
  ["bid_cents", "integer"],
  ["latency_ms", "double precision"],
  ["detail", "text"],
  ["at", "bigint"],
] as const;

export type Columns = readonly (readonly [string, string])[];

/**
 * Rows inserted as one batch. PostgreSQL: one statement whatever the batch's size, each column travelling as one
 * array (`unnest ... WITH ORDINALITY`, so serial ids follow the order given). SQLite: multi-row INSERTs of a few fixed
 * sizes (sqliteChunks), rows in the order given (so rowids follow it), each text built once and kept prepared by the
 * writer thread; a third less CPU per outcome than a statement per row. Rows with a JSON document (pings) stay one
 * per statement: a multi-row VALUES copies each value once more, and for kilobytes of text per row that costs more
 * than the statements saved (measured: twice the CPU per ping row).
 */
export function insertBatch(
  d: Dialect,
  table: string,
  columns: Columns,
  rows: readonly (readonly unknown[])[],
  tail: string,
  name: string,
): Statement[] {
  const names = columns.map(([column]) => column).join(", ");
  if (d.name === "sqlite" && columns.some(([, type]) => type === "jsonb")) {
    const text = sqliteInsertText(table, names, columns.length, 1, tail);
    return rows.map((row) => ({ text, values: row }));
  }
  if (d.name === "sqlite") {
    const inserts: Statement[] = [];
    let next = 0;
    for (const size of sqliteChunks(rows.length)) {
      const values: unknown[] = [];
      for (const end = next + size; next < end; next++) values.push(...rows[next]!);
      inserts.push({ text: sqliteInsertText(table, names, columns.length, size, tail), values });
    }
    return inserts;
  }
  const arrays = columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(", ");
  const text = `INSERT INTO ${table} (${names})
    SELECT ${names} FROM unnest(${arrays}) WITH ORDINALITY AS batch (${names}, n) ORDER BY n ${tail}`;
  return [
    statement(
      d,
      text,
      columns.map((_, i) => rows.map((row) => row[i])),
      name,
    ),
  ];
}

/** SQLite's INSERT of `rows` rows, by table, columns, tail and row count: built once each. */
const sqliteInsertTexts = new Map<string, string>();

function sqliteInsertText(table: string, names: string, width: number, rows: number, tail: string): string {
  const key = `${table} (${names}) ${rows} ${tail}`;
  let text = sqliteInsertTexts.get(key);
  if (text === undefined) {
    const row = `(${Array.from({ length: width }, () => "?").join(", ")})`;
    text = `INSERT INTO ${table} (${names}) VALUES ${Array.from({ length: rows }, () => row).join(", ")} ${tail}`;
    sqliteInsertTexts.set(key, text);
  }
  return text;
}

/** A statement inserting pings, and which of them it inserted, read from its result. */
export interface PingInsert extends Statement {
  insertedIds(result: SqlResult): readonly string[];
}

/** Inserts pings; one already stored is left as it was (and not among the inserted ids). */
export function insertPings(d: Dialect, pings: readonly PingRecord[]): PingInsert[] {
  const rows = pings.map((p) => [
    p.id,
    p.kind,
    p.source_id,
    p.vertical,
    d.bool(p.test),
    p.sub_id ?? null,
    p.created_at,
    p.expires_at,
    p.status,
    p.price_cents,
    JSON.stringify(p.lead),
    JSON.stringify(p.bids),
    p.quality ? JSON.stringify(p.quality) : null,
  ]);
  if (d.name === "sqlite") {
    // One statement per ping (see insertBatch): the row it changed, or not, says whether its ping is new. A RETURNING
    // row would cost the writer thread ~2 µs more per ping (node:sqlite builds an object for it).
    const inserts = insertBatch(d, "pings", PING_COLUMNS, rows, "ON CONFLICT (id) DO NOTHING", "");
    return inserts.map((insert, i) => ({
      ...insert,
      insertedIds: (result) => (result.changes > 0 ? [pings[i]!.id] : []),
    }));
  }
  const inserts = insertBatch(
    d,
    "pings",
    PING_COLUMNS,
    rows,
    "ON CONFLICT (id) DO NOTHING RETURNING id",
    "gavel_insert_pings",
  );
  return inserts.map((insert) => ({
    ...insert,
    insertedIds: (result) => result.rows.map((row) => String(row.id)),
  }));
}

export function insertOutcomes(d: Dialect, outcomes: readonly OutcomeRecord[]): Statement[] {
  const rows = outcomes.map((o) => [
    o.auction_id,
    o.phase,
    o.campaign_id,
    o.buyer_id,
    o.reason,
    REASONS[o.reason].code,
    o.bid_cents ?? null,
    o.latency_ms ?? null,
    o.detail ?? null,
    o.at,
  ]);
  if (d.name === "sqlite") {
    let seq = firstOutcomeSeq(rows.length);
    for (const row of rows) row.push(seq++);
    return insertBatch(d, "outcomes", SQLITE_OUTCOME_COLUMNS, rows, "", "gavel_insert_outcomes");
  }
  return insertBatch(d, "outcomes", OUTCOME_COLUMNS, rows, "", "gavel_insert_outcomes");
}

/**
 * SQLite's outcomes are keyed by their auction and `seq`, the order written (migration 29: one b-tree, no index on the
 * auction beside a rowid table). PostgreSQL's keep a serial id.
 */
const SQLITE_OUTCOME_COLUMNS: Columns = [...OUTCOME_COLUMNS, ["seq", "bigint"]];

/** The last `seq` this process gave an outcome. */
let lastOutcomeSeq = 0;

/**
 * The first of `count` consecutive outcome `seq`s. They increase in the order written within a process, and start from
 * the clock (milliseconds × 1000), so a process started later numbers above an earlier one's rows: an auction's post
 * outcomes may be written after a restart, below none of its ping outcomes. The key needs them unique within an
 * auction; readers order an auction's outcomes by them, as they ordered by rowid. One writer per file, as ever: two
 * processes writing one auction's outcomes in the same millisecond could draw the same number.
 */
function firstOutcomeSeq(count: number): number {
  const first = Math.max(lastOutcomeSeq + 1, Date.now() * 1000);
  lastOutcomeSeq = first + count - 1;
  return first;
}
