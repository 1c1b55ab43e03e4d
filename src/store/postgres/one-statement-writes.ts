// A direct post's two durable writes on PostgreSQL as one statement each: the post attempt (DESIGN rule 11) and the
// sale (rule 9). The shared writes (SqlWrites.beginPostAttempt, saveLead) run 3 and 7 statements in a transaction,
// each a round trip (node-postgres sends one statement at a time): BEGIN, one per table, COMMIT. Here the same
// statements become data-modifying CTEs of one statement, which PostgreSQL runs as its own transaction (all or
// nothing, durable when it returns, with the default synchronous_commit = on): one round trip each, and no BEGIN or
// COMMIT to parse and answer. The text depends only on which parts a write has, so each shape is a prepared statement.
// Posts in flight at the same moment share one such statement (GroupCommit, group-commit.ts): one commit and one round
// trip for several attempts and sales.

import type { ContactHashes } from "../../compliance/suppression/suppression-hash.ts";
import { REASONS } from "../../domain/outcomes.ts";
import type { LeadRecord, LedgerEntry, OutboxItem, OutcomeRecord, PingRecord } from "../../domain/records.ts";
import { RollupBatch, rollupAuctionEvents, rollupLead } from "../../domain/rollup.ts";
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
import { rollupRowsJson } from "../sql/rollup-rows.ts";
import { finestRollupRows, QUEUE_ROLLUPS } from "./pending-rollups.ts";

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

const INSERT_LEAD = `INSERT INTO leads (${LEAD_COLUMNS}) VALUES (${placeholders(LEAD_COLUMNS)})`;

/**
 * The post attempts sales' outcomes end, all at once (each sale's first end of a campaign, as one UPDATE per end did),
 * `count` of them. The ends are a VALUES list of that many rows, not arrays: the planner then counts the rows a
 * prepared statement's generic plan joins as a custom plan does, so it keeps the generic plan (planned once per
 * connection). From arrays of unknown length it estimated ten rows, found the generic plan dearer than a custom one,
 * and planned most sales' statements anew on every call (~0.35 ms of the server's CPU each); and the generic plan it did
 * make joined the ten rows by hashing a scan of the open attempts' partial index (all of it, dead entries too).
 */
function endAttemptsSql(count: number): string {
  const rows = Array.from({ length: count }, (_, i) => {
    const n = 5 * i;
    return `($${n + 1}::text, $${n + 2}::text, $${n + 3}::text, $${n + 4}::bigint, $${n + 5}::text)`;
  });
  return `UPDATE post_attempts AS a SET state = e.state, ended_at = e.at,
     buyer_lead_id = COALESCE(e.buyer_lead_id, a.buyer_lead_id)
   FROM (VALUES ${rows.join(", ")}) AS e (auction_id, campaign_id, state, at, buyer_lead_id)
   WHERE a.auction_id = e.auction_id AND a.campaign_id = e.campaign_id AND a.state IN ('posting', 'uncertain')`;
}

/** endAttemptsSql's text by count (a sale ends one attempt or a few; a group of sales, one or a few each). */
const endAttemptsTexts: string[] = [];

function endAttemptsText(count: number): string {
  let text = endAttemptsTexts[count];
  if (text === undefined) {
    text = endAttemptsSql(count);
    endAttemptsTexts[count] = text;
  }
  return text;
}

/** Ends attempts by id (SqlWrites.beginPostAttempt's `ended`), all at once. */
const END_ATTEMPTS_BY_ID = `UPDATE post_attempts AS a SET state = e.state, ended_at = e.ended_at
   FROM unnest($1::text[], $2::text[], $3::bigint[]) AS e (id, state, ended_at)
   WHERE a.id = e.id AND a.state = 'posting'`;

/** New attempts, each unless its campaign was posted its lead before; answers the ids it inserted. */
const INSERT_ATTEMPTS = `INSERT INTO post_attempts (${POST_ATTEMPT_COLUMNS})
   SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::integer[], $6::bigint[], $7::text[])
   ON CONFLICT (auction_id, campaign_id) DO NOTHING RETURNING id`;

/** SqlWrites.beginPostAttempt's writes: the attempts it ends, then the new one unless its campaign was posted before. */
export interface AttemptWrite {
  kind: "attempt";
  attempt: PostAttempt;
  ended: readonly EndedPostAttempt[];
}

/** SqlWrites.saveLead's writes: the ledger, the lead, its outcomes, rollups (queued), outbox and the attempts it ends. */
export interface SaleWrite {
  kind: "sale";
  lead: LeadRecord;
  outcomes: readonly OutcomeRecord[];
  outbox: readonly OutboxItem[];
  ledger: readonly LedgerEntry[];
  contact?: ContactHashes | undefined;
}

/** A write that must be durable before the exchange goes on: a post attempt (DESIGN rule 11) or a sale (rule 9). */
export type DurableWrite = AttemptWrite | SaleWrite;

/** The one row a group's statement answers: the ids of the attempts it inserted. */
export type DurableWritesRow = { begun: string[] };

/**
 * Durable writes, one or several (of posts in flight at once: see GroupCommit), as one statement, its own transaction:
 * like rows of the writes go in one part (the attempts in one INSERT, the sales' ledgers in one, their rollups summed
 * into one queued document), each lead in an INSERT of its own. All or nothing: one refused write refuses the
 * group. Its shape (which parts, how many leads) names the prepared statement; answers one DurableWritesRow.
 */
export function durableWritesStatement(codec: RowCodec, writes: readonly DurableWrite[]): Statement {
  const attempts: AttemptWrite[] = [];
  const sales: SaleWrite[] = [];
  for (const write of writes) {
    if (write.kind === "attempt") attempts.push(write);
    else sales.push(write);
  }
  const parts: Statement[] = [];
  let shape = "";
  const add = (letter: string, part: Statement | undefined) => {
    if (!part) return;
    parts.push(part);
    shape += letter;
  };
  const ended = attempts.flatMap((write) => write.ended);
  if (ended.length > 0) {
    add("e", {
      text: END_ATTEMPTS_BY_ID,
      values: [ended.map((end) => end.id), ended.map((end) => end.state), ended.map((end) => end.ended_at)],
    });
  }
  let inserted = "";
  if (attempts.length > 0) {
    inserted = `w${parts.length}`;
    const rows = attempts.map((write) => postAttemptRowValues(write.attempt));
    add("a", { text: INSERT_ATTEMPTS, values: POST_ATTEMPT_FIELDS.map((_, i) => rows.map((row) => row[i])) });
  }
  if (sales.length > 0) addSaleParts(codec, sales, add);
  const select = inserted
    ? `SELECT ARRAY(SELECT id FROM ${inserted}) AS begun`
    : "SELECT '{}'::text[] AS begun";
  return asOneStatement(parts, select, `gavel_durable_${shape}`);
}

const POST_ATTEMPT_FIELDS = POST_ATTEMPT_COLUMNS.split(", ");

function addSaleParts(
  codec: RowCodec,
  sales: readonly SaleWrite[],
  add: (letter: string, part: Statement | undefined) => void,
): void {
  add(
    "g",
    insertLedgerEntries(
      POSTGRES,
      sales.flatMap((sale) => sale.ledger),
    )[0],
  );
  for (const sale of sales) {
    add("l", { text: INSERT_LEAD, values: leadRowValues(sale.lead, codec, sale.contact) });
  }
  const outcomes = sales.flatMap((sale) => sale.outcomes);
  add("o", outcomes.length > 0 ? insertOutcomes(POSTGRES, outcomes)[0] : undefined);
  // Queued, not upserted: folded into report_rollup later with other writes' (pending-rollups.ts). One row per key,
  // the finest grains only (the fold derives the others).
  const rollup = new RollupBatch();
  for (const sale of sales) rollupLead(sale.lead, sale.outcomes, rollup);
  add(
    "q",
    rollup.size > 0 ? { text: QUEUE_ROLLUPS, values: [rollupRowsJson(finestRollupRows(rollup))] } : undefined,
  );
  const outbox = sales.flatMap((sale) => sale.outbox);
  add("x", outbox.length > 0 ? insertOutboxItems(POSTGRES, outbox)[0] : undefined);
  const ends = sales.flatMap(firstEndOfEachCampaign);
  if (ends.length > 0) {
    const values: unknown[] = [];
    for (const end of ends)
      values.push(end.auction_id, end.campaign_id, end.state, end.at, end.buyer_lead_id);
    // The count is part of the shape: one prepared statement per number of ends.
    add(`s${ends.length}`, {
      text: endAttemptsText(ends.length),
      values,
    });
  }
}

/** The attempts a sale ends: the first end of each campaign, with its auction. */
function firstEndOfEachCampaign(sale: SaleWrite) {
  const ends = new Map<string, ReturnType<typeof attemptEndsOfSale>[number] & { auction_id: string }>();
  for (const end of attemptEndsOfSale(sale.outcomes, buyerLeadIdsOf(sale.lead))) {
    if (!ends.has(end.campaign_id)) ends.set(end.campaign_id, { ...end, auction_id: sale.lead.auction_id });
  }
  return [...ends.values()];
}

/** The message of the error a batch statement raises when one of its pings was stored before (see below). */
export const PING_STORED_BEFORE = "gavel: a ping of the batch was stored before";

/**
 * SqlWrites.appendAuctionEvents in one statement: the pings, their outcomes, and the rollups of the batch as
 * RollupBatch counts them when every ping is new, the usual case (queued for the fold, as a sale's are). A ping the store already had (a batch written again
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
  // Queued with the sales' (pending-rollups.ts): one document of the finest-grain rows instead of an upsert of every
  // grain's into report_rollup.
  const rollup = rollupAuctionEvents(pings, outcomes, (id) => auctions.get(id));
  if (rollup.size > 0) {
    parts.push({ text: QUEUE_ROLLUPS, values: [rollupRowsJson(finestRollupRows(rollup))] });
    shape += "q";
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
