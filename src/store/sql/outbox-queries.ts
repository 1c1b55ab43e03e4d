// The outbox's statements (messages the exchange owes: postbacks, webhooks, notices), written once.

import type { OutboxItem, OutboxSettlement } from "../../domain/records.ts";
import { OUTBOX_COLUMNS, outboxRowValues } from "../record-rows.ts";
import { type Columns, insertBatch } from "./auction-log-queries.ts";
import { type Dialect, placeholders, type Statement, statement } from "./dialect.ts";

/** OUTBOX_COLUMNS (the order of outboxRowValues) with their PostgreSQL types, for a batch insert. */
const OUTBOX_COLUMN_TYPES: Columns = [
  ["id", "text"],
  ["kind", "text"],
  ["owner_id", "text"],
  ["url", "text"],
  ["body", "jsonb"],
  ["timeout_ms", "integer"],
  ["status", "text"],
  ["attempts", "integer"],
  ["run_at", "bigint"],
  ["created_at", "bigint"],
  ["method", "text"],
];

/** Several items: one statement on PostgreSQL (a sale with postbacks and webhooks), one per item on SQLite. */
export const insertOutboxItems = (d: Dialect, items: readonly OutboxItem[]): Statement[] =>
  items.length === 0
    ? []
    : insertBatch(
        d,
        "outbox",
        OUTBOX_COLUMN_TYPES,
        items.map(outboxRowValues),
        "",
        "gavel_insert_outbox_batch",
      );

/** One item, unless an item with its id is already there (then nothing changes). */
export const insertOutboxItemOnce = (d: Dialect, item: OutboxItem): Statement =>
  statement(
    d,
    `INSERT INTO outbox (${OUTBOX_COLUMNS}) VALUES (${placeholders(OUTBOX_COLUMNS)}) ON CONFLICT (id) DO NOTHING`,
    outboxRowValues(item),
  );

/**
 * Due pending items get a lease (run_at moves forward) and one more attempt. PostgreSQL: SKIP LOCKED, so instances
 * claiming at the same moment take disjoint items instead of waiting on each other; SQLite has one writer, so no two
 * claims overlap.
 */
export const claimOutbox = (d: Dialect, now: number, limit: number, leaseMs: number): Statement =>
  statement(
    d,
    `UPDATE outbox SET run_at = $1, attempts = attempts + 1
     WHERE id IN (SELECT id FROM outbox WHERE status = 'pending' AND run_at <= $2
                  ORDER BY run_at, id LIMIT $3 ${d.skipLocked})
     RETURNING *`,
    [now + leaseMs, now, limit],
  );

/**
 * Records how a claimed item's attempt ended, fenced by its lease: only while the item is still pending with the run_at
 * its claim gave it. A later claim always moves run_at past it (it is due only once that lease has lapsed, and leases
 * it anew from then), so a result recorded late, after another worker took the item over, changes nothing.
 */
export const settleOutbox = (
  d: Dialect,
  id: string,
  leasedUntil: number,
  settlement: OutboxSettlement,
): Statement =>
  statement(
    d,
    `UPDATE outbox SET status = $1, run_at = COALESCE($2, run_at), last_error = COALESCE($3, last_error),
       delivered_at = $4 WHERE id = $5 AND status = 'pending' AND run_at = $6`,
    [
      settlement.status,
      settlement.status === "pending" ? settlement.run_at : null,
      settlement.status === "done" ? null : settlement.error,
      settlement.status === "done" ? settlement.at : null,
      id,
      leasedUntil,
    ],
  );

export const replayOutbox = (d: Dialect, id: string, now: number): Statement =>
  statement(
    d,
    "UPDATE outbox SET status = 'pending', run_at = $1, attempts = 0, delivered_at = NULL WHERE id = $2",
    [now, id],
  );
