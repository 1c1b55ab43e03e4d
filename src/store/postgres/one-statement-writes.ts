// A direct post's two durable writes on PostgreSQL as one statement each: the post attempt (DESIGN rule 11) and the
// sale (rule 9). The shared writes (SqlWrites.beginPostAttempt, saveLead) run 3 and 7 statements in a transaction,
// each a round trip (node-postgres sends one statement at a time): BEGIN, one per table, COMMIT. Here the same
// statements become data-modifying CTEs of one statement, which PostgreSQL runs as its own transaction (all or
// nothing, durable when it returns, with the default synchronous_commit = on): one round trip each, and no BEGIN or
// COMMIT to parse and answer. The text depends only on which parts a write has, so each shape is a prepared statement.

import type { ContactHashes } from "../../compliance/suppression/suppression-hash.ts";
import { REASONS } from "../../domain/outcomes.ts";
import type { LeadRecord, LedgerEntry, OutboxItem, OutcomeRecord, PingRecord } from "../../domain/records.ts";
import { rollupAuctionEvents } from "../../domain/rollup.ts";
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
import { rollupRowsJson, rollupUpsertSql } from "../sql/rollup-rows.ts";
import { leadRollup } from "../sql/rollup-writes.ts";

/**
 * Statements (each numbering its placeholders from $1) as the CTEs `w0`, `w1`... of one statement, followed by
 * `select` (which may read the CTEs' RETURNING rows). PostgreSQL runs every data-modifying CTE to completion whether
 * or not `select` reads it; they see one snapshot, so no part may depend on another's rows. `name` is the shape's: one
 * name, one text (node-postgres refuses a prepared name sent with another text), so the text is composed once per name
 * and each write after that only gathers its values.
 */
export function asOneStatement(parts: readonly Statement[], select: string, name: string): Statement {
  const values: unknown[] = [];
  for (const part of parts) for (const value of part.values) values.push(value);
  let text = composedTexts.get(name);
  if (text === undefined) {
    text = composedText(parts, select);
    composedTexts.set(name, text);
  }
  return { text, values, name };
}

/** Each shape's text by its name (a few dozen at most: the shapes are which parts a write has). */
const composedTexts = new Map<string, string>();

function composedText(parts: readonly Statement[], select: string): string {
  const ctes: string[] = [];
  let offset = 0;
  for (const [i, part] of parts.entries()) {
    const text =
      offset === 0 ? part.text : part.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
    ctes.push(`w${i} AS (${text})`);
    offset += part.values.length;
  }
  return `WITH ${ctes.join(",\n")}\n${select}`;
}

/** The rollups' upsert (rollupRowsJson's batch as $1, into shard 0), built once. */
const UPSERT_ROLLUP = rollupUpsertSql(POSTGRES);

/**
 * A sale's rollups go to one of this many copies of their rows (`shard` 1 to 8, migration 28), picked at random; shard 0
 * is the ping events' batches' (and returns' and rebuilds'), so a sale never waits on a batch. Every sale adds to the
 * same all-sources rows, and an updated row stays locked until its transaction's commit is flushed, so with one copy
 * the sales in flight waited on each other's WAL flush, one after another. Reports add the copies up.
 */
export const ROLLUP_SHARDS = 8;

/** The sale's rollup upsert: rollupRowsJson's batch as $1, its shard as $2. */
const UPSERT_SALE_ROLLUP = rollupUpsertSql(POSTGRES, 1, true);

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
  contact?: ContactHashes,
): Statement {
  const parts: Statement[] = [];
  let shape = "";
  const add = (letter: string, part: Statement | undefined) => {
    if (!part) return;
    parts.push(part);
    shape += letter;
  };
  add("g", insertLedgerEntries(POSTGRES, ledger)[0]);
  add("l", { text: INSERT_LEAD, values: leadRowValues(lead, codec, contact) });
  add("o", outcomes.length > 0 ? insertOutcomes(POSTGRES, outcomes)[0] : undefined);
  const rollup = leadRollup(lead, outcomes);
  const shard = 1 + Math.floor(Math.random() * ROLLUP_SHARDS);
  add(
    "r",
    rollup.size > 0
      ? { text: UPSERT_SALE_ROLLUP, values: [rollupRowsJson(rollup.rows()), shard] }
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

/** The message of the error a batch statement raises when one of its pings was stored before (see below). */
export const PING_STORED_BEFORE = "gavel: a ping of the batch was stored before";

/**
 * SqlWrites.appendAuctionEvents in one statement: the pings, their outcomes, and the rollups of the batch as
 * RollupBatch counts them when every ping is new, the usual case. A ping the store already had (a batch written again
 * after a failure whose write may have landed) must be left as it was and not counted again: the statement then fails
 * (a cast of PING_STORED_BEFORE to an integer, on the count of pings it inserted), which undoes all of it, and the
 * store writes the batch in a transaction as SqlWrites does, counting what it inserted. Undefined when a ping-phase
 * outcome's auction is not in the batch (its dimensions must be read from the pings table first: the transaction does
 * that); the engine records a ping with its outcomes, so a batch holds both.
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
  const rollup = rollupAuctionEvents(pings, outcomes, (id) => auctions.get(id));
  if (rollup.size > 0) {
    parts.push({ text: UPSERT_ROLLUP, values: [rollupRowsJson(rollup.rows())] });
    shape += "r";
  }
  if (pings.length === 0) return asOneStatement(parts, "SELECT 1", `gavel_append_auction_events_${shape}`);
  // The pings' CTE is w0; its RETURNING has the ids it inserted.
  parts.push({ text: "SELECT $1::integer AS batch", values: [pings.length] });
  const count = `w${parts.length - 1}`;
  return asOneStatement(
    parts,
    `SELECT CASE WHEN inserted = (SELECT batch FROM ${count}) THEN 1
       ELSE ('${PING_STORED_BEFORE}: ' || inserted)::integer END AS written
     FROM (SELECT count(*) AS inserted FROM w0) AS pings`,
    `gavel_append_auction_events_${shape}`,
  );
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
