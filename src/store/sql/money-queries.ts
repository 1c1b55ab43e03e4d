// The ledger's and the funds' statements (entries per lead, buyers' deposits), written once over the dialect seam.

import type { LedgerEntry } from "../../domain/records.ts";
import { ledgerRowValues } from "../record-rows.ts";
import type { BuyerDeposit } from "../store.ts";
import { insertBatch } from "./auction-log-queries.ts";
import { type Dialect, type Statement, statement } from "./dialect.ts";

const LEDGER_COLUMN_TYPES = [
  ["id", "text"],
  ["lead_id", "text"],
  ["kind", "text"],
  ["party_id", "text"],
  ["amount_cents", "bigint"],
  ["created_at", "bigint"],
] as const;

/**
 * A sale's or a return's entries, in one statement on PostgreSQL (a sale writes three: one round trip, not three).
 * An entry whose id is already there is kept as it was.
 */
export const insertLedgerEntries = (d: Dialect, entries: readonly LedgerEntry[]): Statement[] =>
  entries.length === 0
    ? []
    : insertBatch(
        d,
        "ledger_entries",
        LEDGER_COLUMN_TYPES,
        entries.map(ledgerRowValues),
        "ON CONFLICT (id) DO NOTHING",
        "gavel_insert_ledger",
      );

export const ledgerOfLead = (d: Dialect, leadId: string): Statement =>
  statement(
    d,
    `SELECT * FROM ledger_entries WHERE lead_id = $1 ORDER BY ${d.insertionOrder("ledger_entries")}`,
    [leadId],
  );

/**
 * A buyer's statement: its charges and refunds. The kinds are spelled as the index of statements spells them (SQLite:
 * partial on these kinds, so a sale's payout and margin entries add nothing to it), and they keep a source that
 * shares a buyer's id out of that buyer's statement.
 */
export const ledgerOfParty = (
  d: Dialect,
  partyId: string,
  from: number,
  to: number,
  limit: number,
): Statement =>
  statement(
    d,
    `SELECT * FROM ledger_entries WHERE party_id = $1 AND kind IN ('buyer_charge', 'buyer_refund')
       AND created_at >= $2 AND created_at < $3
     ORDER BY created_at, ${d.insertionOrder("ledger_entries")} LIMIT $4`,
    [partyId, from, to, limit],
  );

export const ledgerTotals = (d: Dialect, from: number, to: number): Statement =>
  statement(
    d,
    `SELECT kind, party_id, SUM(amount_cents) AS cents FROM ledger_entries
     WHERE created_at >= $1 AND created_at < $2 GROUP BY kind, party_id ORDER BY kind, party_id`,
    [from, to],
  );

const BUYER_SIDE =
  "CASE WHEN kind IN ('buyer_charge', 'buyer_refund') THEN amount_cents ELSE -amount_cents END";

/** Leads whose entries do not balance (Σ buyer − Σ source ≠ Σ margin). */
export const ledgerImbalances = (d: Dialect): Statement =>
  statement(
    d,
    `SELECT lead_id, SUM(${BUYER_SIDE}) AS cents FROM ledger_entries GROUP BY lead_id
     HAVING SUM(${BUYER_SIDE}) <> 0 ORDER BY lead_id`,
  );

/** A deposit unless one with its id exists. */
export const insertDeposit = (d: Dialect, deposit: BuyerDeposit): Statement =>
  statement(
    d,
    `INSERT INTO buyer_deposits (id, buyer_id, amount_cents, note, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (id) DO NOTHING`,
    [deposit.id, deposit.buyer_id, deposit.amount_cents, deposit.note ?? null, deposit.created_at],
  );

export const getDeposit = (d: Dialect, id: string): Statement =>
  statement(d, "SELECT * FROM buyer_deposits WHERE id = $1", [id]);

/** Each buyer's deposits summed (one buyer's when given). */
export const depositTotals = (d: Dialect, buyerId: string | undefined): Statement =>
  statement(
    d,
    `SELECT buyer_id, SUM(amount_cents) AS cents FROM buyer_deposits
     WHERE ${d.typed(1, "text")} IS NULL OR buyer_id = $1 GROUP BY buyer_id`,
    [buyerId ?? null],
  );
