// A direct post's two durable writes on PostgreSQL as one statement each: the post attempt (DESIGN rule 11) and the
// sale (rule 9). The shared writes (SqlWrites.beginPostAttempt, saveLead) run 3 and 7 statements in a transaction,
// each a round trip (node-postgres sends one statement at a time): BEGIN, one per table, COMMIT. Here the same
// statements become data-modifying CTEs of one statement, which PostgreSQL runs as its own transaction (all or
// nothing, durable when it returns, with the default synchronous_commit = on): one round trip each, and no BEGIN or
// COMMIT to parse and answer. The text depends only on which parts a write has, so each shape is a prepared statement.

import { REASONS } from "../../domain/outcomes.ts";
import type { LeadRecord, LedgerEntry, OutboxItem, OutcomeRecord, PingRecord } from "../../domain/records.ts";
import {
  HOUR_MS,
  ROLLUP_COLUMNS,
  ROLLUP_KEY_COLUMNS,
  ROLLUP_MAX_COLUMNS,
  ROLLUP_SUM_COLUMNS,
  RollupBatch,
  type RollupRow,
  rollupAuctionEvents,
} from "../../domain/rollup.ts";
import {
  attemptEndsOfSale,
  buyerLeadIdsOf,
  type EndedPostAttempt,
  POST_ATTEMPT_COLUMNS,
  type PostAttempt,
  postAttemptRowValues,
} from "../post-attempts.ts";
import { LEAD_COLUMNS, leadRowValues, type RowCodec } from "../record-rows.ts";
import { type Columns, insertOutcomes, OUTCOME_COLUMNS, PING_COLUMNS } from "../sql/auction-log-queries.ts";
import { POSTGRES, placeholders, type Statement } from "../sql/dialect.ts";
import { insertLedgerEntries } from "../sql/money-queries.ts";
import { insertOutboxItems } from "../sql/outbox-queries.ts";
import { postgresType, rollupRowsJson, rollupUpsertSql } from "../sql/rollup-rows.ts";
import { leadRollup } from "../sql/rollup-writes.ts";

/**
 * Statements (each numbering its placeholders from $1) as the CTEs `w0`, `w1`... of one statement, followed by
 * `select` (which may read the CTEs' RETURNING rows). PostgreSQL runs every data-modifying CTE to completion whether
 * or not `select` reads it; they see one snapshot, so no part may depend on another's rows.
 */
export function asOneStatement(parts: readonly Statement[], select: string, name: string): Statement {
  const ctes: string[] = [];
  const values: unknown[] = [];
  for (const [i, part] of parts.entries()) {
    const offset = values.length;
    const text =
      offset === 0 ? part.text : part.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
    ctes.push(`w${i} AS (${text})`);
    values.push(...part.values);
  }
  return { text: `WITH ${ctes.join(",\n")}\n${select}`, values, name };
}

const INSERT_LEAD = `INSERT INTO leads (${LEAD_COLUMNS}) VALUES (${placeholders(LEAD_COLUMNS)})`;

/** The post attempts a sale's outcomes end, all at once (the first end of a campaign, as one UPDATE per end did). */
const END_ATTEMPTS = `UPDATE post_attempts AS a SET state = e.state, ended_at = e.at,
     buyer_lead_id = COALESCE(e.buyer_lead_id, a.buyer_lead_id)
   FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[]) AS e (campaign_id, state, at, buyer_lead_id)
   WHERE a.auction_id = $5 AND a.campaign_id = e.campaign_id AND a.state IN ('posting', 'uncertain')`;

/** SqlWrites.saveLead in one statement: the ledger, the lead, its outcomes, rollups, outbox and attempts' ends. */
export function saveLeadStatement(
  codec: RowCodec,
  lead: LeadRecord,
  outcomes: readonly OutcomeRecord[],
  outbox: readonly OutboxItem[],
  ledger: readonly LedgerEntry[],
): Statement {
  const parts: Statement[] = [];
  let shape = "";
  const add = (letter: string, part: Statement | undefined) => {
    if (!part) return;
    parts.push(part);
    shape += letter;
  };
  add("g", insertLedgerEntries(POSTGRES, ledger)[0]);
  add("l", { text: INSERT_LEAD, values: leadRowValues(lead, codec) });
  add("o", outcomes.length > 0 ? insertOutcomes(POSTGRES, outcomes)[0] : undefined);
  const rollup = leadRollup(lead, outcomes);
  add(
    "r",
    rollup.size > 0
      ? { text: rollupUpsertSql(POSTGRES), values: [rollupRowsJson(rollup.rows())] }
      : undefined,
  );
  add("x", outbox.length > 0 ? insertOutboxItems(POSTGRES, outbox)[0] : undefined);
  const ends = new Map<string, ReturnType<typeof attemptEndsOfSale>[number]>();
  for (const end of attemptEndsOfSale(outcomes, buyerLeadIdsOf(lead))) {
    if (!ends.has(end.campaign_id)) ends.set(end.campaign_id, end);
  }
  if (ends.size > 0) {
    const list = [...ends.values()];
    add("e", {
      text: END_ATTEMPTS,
      values: [
        list.map((end) => end.campaign_id),
        list.map((end) => end.state),
        list.map((end) => end.at),
        list.map((end) => end.buyer_lead_id),
        lead.auction_id,
      ],
    });
  }
  return asOneStatement(parts, "SELECT 1", `gavel_save_lead_${shape}`);
}

/** Ends attempts by id (SqlWrites.beginPostAttempt's `ended`), all at once. */
const END_ATTEMPTS_BY_ID = `UPDATE post_attempts AS a SET state = e.state, ended_at = e.ended_at
   FROM unnest($1::text[], $2::text[], $3::bigint[]) AS e (id, state, ended_at)
   WHERE a.id = e.id AND a.state = 'posting'`;

const INSERT_ATTEMPT = `INSERT INTO post_attempts (${POST_ATTEMPT_COLUMNS}) VALUES (${placeholders(POST_ATTEMPT_COLUMNS)})
   ON CONFLICT (auction_id, campaign_id) DO NOTHING RETURNING id`;

/**
 * SqlWrites.beginPostAttempt's writes in one statement: the ended attempts, then the new one unless this campaign was
 * posted this lead before. Answers one row, `begun`: whether the new attempt was inserted.
 */
export function beginPostAttemptStatement(
  attempt: PostAttempt,
  ended: readonly EndedPostAttempt[],
): Statement {
  const parts: Statement[] = [];
  if (ended.length > 0) {
    parts.push({
      text: END_ATTEMPTS_BY_ID,
      values: [ended.map((end) => end.id), ended.map((end) => end.state), ended.map((end) => end.ended_at)],
    });
  }
  parts.push({ text: INSERT_ATTEMPT, values: postAttemptRowValues(attempt) });
  const inserted = `w${parts.length - 1}`;
  return asOneStatement(
    parts,
    `SELECT EXISTS (SELECT 1 FROM ${inserted}) AS begun`,
    ended.length > 0 ? "gavel_begin_post_attempt_after_ends" : "gavel_begin_post_attempt_alone",
  );
}

/** A batch's rollup entries (JSON): each names the key's place in the batch's order (`ord`) and, for an auction
 * row, its group of pings (`grp`), whose count the statement takes from the pings it inserted. */
const ROLLUP_ENTRIES = `jsonb_to_recordset($1::jsonb) AS b (${ROLLUP_COLUMNS.map((column) => `${column} ${postgresType(column)}`).join(", ")}, grp integer, ord integer)`;

/**
 * The rollup rows of a batch of ping events, counting only the pings the batch inserted (`w0`'s RETURNING ids; a ping
 * stored before is not counted again) and every outcome: outcome entries carry their own measures, auction entries
 * (grp) count the inserted pings of their group. Grouped by key, in the order RollupBatch sorts keys (every writer
 * locks rollup rows in that order).
 */
const ROLLUP_OF_EVENTS = (() => {
  const key = ROLLUP_KEY_COLUMNS.map((column) => `b.${column}`).join(", ");
  const measure = (column: string) => {
    if (column === "auctions")
      return "SUM(CASE WHEN b.grp IS NULL THEN COALESCE(b.auctions, 0) ELSE f.n END)";
    if (column === "auctions_with_bid")
      return "SUM(CASE WHEN b.grp IS NULL THEN COALESCE(b.auctions_with_bid, 0) ELSE f.bids END)";
    return `${(ROLLUP_MAX_COLUMNS as readonly string[]).includes(column) ? "MAX" : "SUM"}(COALESCE(b.${column}, 0))`;
  };
  return `SELECT ${key}, ${[...ROLLUP_SUM_COLUMNS, ...ROLLUP_MAX_COLUMNS].map(measure).join(", ")}
    FROM ${ROLLUP_ENTRIES}
    LEFT JOIN (SELECT g.grp, count(*) AS n, count(*) FILTER (WHERE g.bid) AS bids
               FROM w0 JOIN unnest($2::text[], $3::integer[], $4::boolean[]) AS g (id, grp, bid) ON g.id = w0.id
               GROUP BY g.grp) AS f ON f.grp = b.grp
    WHERE b.grp IS NULL OR f.n IS NOT NULL
    GROUP BY ${key}
    ORDER BY min(b.ord)`;
})();

/** RollupBatch's key of a row (its sort order). */
function rollupKeyOf(row: RollupRow): string {
  return [
    row.grain,
    row.hour,
    row.test ? 1 : 0,
    row.source_id,
    row.sub_id,
    row.vertical,
    row.campaign_id,
    row.buyer_id,
  ].join("\u0000");
}

/**
 * SqlWrites.appendAuctionEvents in one statement: the pings (a ping stored before is left as it was), the outcomes,
 * and the rollups of what was inserted. Undefined when a ping-phase outcome's auction is not in the batch (its
 * dimensions must be read from the pings table first: the transaction does that). The engine records a ping with its
 * outcomes, so a batch holds both.
 */
export function appendAuctionEventsStatement(
  pings: readonly PingRecord[],
  outcomes: readonly OutcomeRecord[],
): Statement | undefined {
  const auctions = new Map<string, PingRecord>();
  for (const ping of pings) auctions.set(ping.id, ping);
  for (const outcome of outcomes) {
    if (outcome.phase === "ping" && !auctions.has(outcome.auction_id)) return undefined;
  }
  // The outcomes' rows, every ping of the batch taken as their auction (stored before or not, it is the same ping).
  const outcomeRows = rollupAuctionEvents([], outcomes, (id) => auctions.get(id)).rows();
  // The pings' own rows, by group: pings of one hour and dimensions count on the same rows.
  const groupOf = new Map<string, number>();
  const groups: number[] = [];
  const groupRows: RollupRow[][] = [];
  for (const ping of pings) {
    const dimensions = [
      Math.floor(ping.created_at / HOUR_MS),
      ping.test ? 1 : 0,
      ping.source_id,
      ping.sub_id ?? "",
      ping.vertical,
    ].join("\u0000");
    let group = groupOf.get(dimensions);
    if (group === undefined) {
      group = groupRows.length;
      groupOf.set(dimensions, group);
      const batch = new RollupBatch();
      batch.addAuction(ping);
      groupRows.push(batch.rows());
    }
    groups.push(group);
  }
  const entries: { key: string; json: Record<string, unknown> }[] = [];
  for (const row of outcomeRows) {
    const json = rollupEntry(row);
    for (const column of [...ROLLUP_SUM_COLUMNS, ...ROLLUP_MAX_COLUMNS]) {
      if (row[column] !== 0) json[column] = row[column];
    }
    entries.push({ key: rollupKeyOf(row), json });
  }
  for (const [group, rows] of groupRows.entries()) {
    for (const row of rows)
      entries.push({ key: rollupKeyOf(row), json: { ...rollupEntry(row), grp: group } });
  }
  const order = [...new Set(entries.map((entry) => entry.key))].sort();
  const ordOf = new Map(order.map((key, i) => [key, i]));
  for (const entry of entries) entry.json.ord = ordOf.get(entry.key);

  const parts: Statement[] = [];
  let shape = "";
  if (pings.length > 0) {
    parts.push({ text: INSERT_PINGS_JSON, values: [pingsJson(pings)] });
    shape += "p";
  }
  if (outcomes.length > 0) {
    parts.push({ text: INSERT_OUTCOMES_JSON, values: [outcomesJson(outcomes)] });
    shape += "o";
  }
  if (entries.length > 0) {
    parts.push({
      text: rollupUpsertSql(POSTGRES, 1, ROLLUP_OF_EVENTS),
      values: [
        JSON.stringify(entries.map((entry) => entry.json)),
        pings.map((ping) => ping.id),
        groups,
        pings.map((ping) => ping.status === "bid"),
      ],
    });
    shape += "r";
  }
  return asOneStatement(parts, "SELECT 1", `gavel_append_auction_events_${shape}`);
}

function rollupEntry(row: RollupRow): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  for (const column of ROLLUP_KEY_COLUMNS) json[column] = row[column];
  return json;
}

/**
 * Rows inserted from one JSON array of objects, in its order (outcomes' serial ids follow it). The batch's rows
 * travel as one JSON text rather than a PostgreSQL array per column: node-postgres writes an array literal element by
 * element, escaping each (a ping's lead and bids are JSON texts inside it), which costs the exchange about four times
 * what one JSON.stringify of the batch does, and the server parses one document instead of thirteen arrays.
 */
function insertFromJson(table: string, columns: Columns, tail: string): string {
  const names = columns.map(([column]) => column).join(", ");
  const types = columns.map(([column, type]) => `${column} ${type}`).join(", ");
  return `INSERT INTO ${table} (${names})
    SELECT ${names} FROM ROWS FROM (json_to_recordset($1::json) AS (${types})) WITH ORDINALITY AS batch (${names}, n)
    ORDER BY n ${tail}`;
}

const INSERT_PINGS_JSON = insertFromJson("pings", PING_COLUMNS, "ON CONFLICT (id) DO NOTHING RETURNING id");
const INSERT_OUTCOMES_JSON = insertFromJson("outcomes", OUTCOME_COLUMNS, "");

/** insertPings' rows as JSON (the same values; `lead`, `bids`, `quality` as documents, not texts). */
function pingsJson(pings: readonly PingRecord[]): string {
  return JSON.stringify(
    pings.map((p) => ({
      id: p.id,
      kind: p.kind,
      source_id: p.source_id,
      vertical: p.vertical,
      test: p.test,
      sub_id: p.sub_id ?? null,
      created_at: p.created_at,
      expires_at: p.expires_at,
      status: p.status,
      price_cents: p.price_cents,
      lead: p.lead,
      bids: p.bids,
      quality: p.quality ?? null,
    })),
  );
}

/** insertOutcomes' rows as JSON. */
function outcomesJson(outcomes: readonly OutcomeRecord[]): string {
  return JSON.stringify(
    outcomes.map((o) => ({
      auction_id: o.auction_id,
      phase: o.phase,
      campaign_id: o.campaign_id,
      buyer_id: o.buyer_id,
      reason: o.reason,
      code: REASONS[o.reason].code,
      bid_cents: o.bid_cents ?? null,
      latency_ms: o.latency_ms ?? null,
      detail: o.detail ?? null,
      at: o.at,
    })),
  );
}
