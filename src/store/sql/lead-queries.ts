// The leads port's reads, written once over the dialect seam.
import { LEAD_COLUMN_FILTERS, type LeadFilter } from "../../domain/lead-filter.ts";
import { CONTACT_HASH_PREFIX_DIGITS } from "../migrations/30-sqlite-contact-hash-prefix-indexes.ts";
import type { LeadQuery, PurchaseQuery, SuppressionHash } from "../store.ts";
import { type Dialect, type Statement, statement } from "./dialect.ts";

// The expression each lead order sorts by, spelled as the lead-order indexes (migrations) spell it. No buyer price
// sorts as -1, below every price, on both stores: a comparison with NULL is never true, so no cursor could pass one.
const LEAD_SORT_KEYS = {
  created_at: "created_at",
  price: "price_cents",
  buyer_price: "COALESCE(buyer_price_cents, -1)",
} as const;
/** The statuses a price order walks one at a time (see listLeads). */
const LEAD_STATUSES = ["sold", "unsold"] as const;

export const getLead = (d: Dialect, id: string): Statement =>
  statement(d, "SELECT * FROM leads WHERE id = $1", [id]);

export const leadOfAuction = (d: Dialect, auctionId: string): Statement =>
  statement(d, "SELECT * FROM leads WHERE auction_id = $1", [auctionId]);

/** Parameters: 1 the cursor (a lead id, or NULL), 2 the page size, 3 the source (or NULL). */
export function listLeads(d: Dialect, query: LeadQuery): Statement {
  const sort = query.sort ?? "created_at";
  const key = LEAD_SORT_KEYS[sort];
  const [after, direction] = query.direction === "asc" ? [">", "ASC"] : ["<", "DESC"];
  const filter = leadFilterConditions(d, query, 4);
  const source = `${query.source_id ? "AND source_id = $3" : `AND ${d.typed(3, "text")} IS NULL`}${filter.sql}`;
  // A price order walks an index led by status (two values): one status directly, both as a merge of the two walks.
  const statuses = query.status ? [query.status] : sort === "created_at" ? [undefined] : LEAD_STATUSES;
  // Each walk seeks to its start and stops at the page size. After a cursor, a walk is two: the rest of the
  // cursor's tie (same value, ids after it), then the values after it. A row value `(key, id) < (…)` would be one,
  // but SQLite seeks on its first column only (on an expression, not at all), and a tie can be 400,000 unsold leads.
  const walks = statuses.flatMap((status) => {
    // Statuses interleave in time: a created-at order walks leads_created and checks the status row by row (the
    // `+` keeps SQLite from sorting a whole status's leads out of a price index instead; PostgreSQL reads it as 0+).
    const unary = sort === "created_at" && d.name === "sqlite" ? "+" : "";
    const where = `${status ? `${unary}status = '${status}'` : "1 = 1"} ${source}`;
    // The cursor stays a lead id in every order (clients keep one shape, nothing to encode or version): its sort
    // value is looked up here, one primary-key probe.
    const cursorKey = `(SELECT ${key} FROM leads WHERE id = $1)`;
    return query.before
      ? [
          `SELECT * FROM leads WHERE ${where} AND ${key} = ${cursorKey} AND id ${after} $1
           ORDER BY id ${direction} LIMIT $2`,
          `SELECT * FROM leads WHERE ${where} AND ${key} ${after} ${cursorKey}
           ORDER BY ${key} ${direction}, id ${direction} LIMIT $2`,
        ]
      : // $1 (no cursor) is still named, so PostgreSQL knows the type of every parameter it is sent.
        [
          `SELECT * FROM leads WHERE ${where} AND ${d.typed(1, "text")} IS NULL
           ORDER BY ${key} ${direction}, id ${direction} LIMIT $2`,
        ];
  });
  const text =
    walks.length === 1
      ? walks[0]!
      : `SELECT * FROM ${d.unionAll(walks)} AS page ORDER BY ${key} ${direction}, id ${direction} LIMIT $2`;
  return statement(d, text, [query.before ?? null, query.limit, query.source_id ?? null, ...filter.params]);
}

/**
 * ` AND …` conditions for the lead list's other filters and their parameters, numbered from `$first`. They narrow the
 * walk row by row (no index of their own), which is fine for a list read a page at a time.
 */
function leadFilterConditions(
  d: Dialect,
  filter: LeadFilter,
  first: number,
): { sql: string; params: unknown[] } {
  const conditions: string[] = [];
  const params: unknown[] = [];
  const bind = (value: unknown) => {
    params.push(value);
    return `$${first + params.length - 1}`;
  };
  for (const column of LEAD_COLUMN_FILTERS) {
    const value = filter[column];
    if (value !== undefined) conditions.push(`${column} = ${bind(value)}`);
  }
  if (filter.test !== undefined) conditions.push(`test = ${bind(d.bool(filter.test))}`);
  if (filter.from !== undefined) conditions.push(`created_at >= ${bind(filter.from)}`);
  if (filter.to !== undefined) conditions.push(`created_at < ${bind(filter.to)}`);
  if (filter.returned !== undefined)
    conditions.push(
      `${filter.returned ? "" : "NOT "}EXISTS (SELECT 1 FROM returns WHERE returns.lead_id = leads.id AND returns.status = 'approved')`,
    );
  return { sql: conditions.map((condition) => ` AND ${condition}`).join(""), params };
}

/**
 * The leads of one consumer, by the hash of their email or phone, newest first. SQLite's indexes hold the hash's first
 * digits only (migration 30): the walk seeks them (the expression spelled as the index spells it), checks the whole hash
 * and sorts the consumer's few leads; PostgreSQL's hold the whole hash and the time.
 */
export function leadsOfContact(d: Dialect, contact: SuppressionHash, limit: number): Statement {
  const column = contact.kind === "email" ? "email_sha256" : "phone_sha256";
  const order = "ORDER BY created_at DESC, id DESC LIMIT $2";
  if (d.name === "sqlite") {
    const prefix = `substr(${column}, 1, ${CONTACT_HASH_PREFIX_DIGITS})`;
    return statement(d, `SELECT * FROM leads WHERE ${prefix} = $3 AND ${column} = $1 ${order}`, [
      contact.sha256,
      limit,
      contact.sha256.slice(0, CONTACT_HASH_PREFIX_DIGITS),
    ]);
  }
  return statement(d, `SELECT * FROM leads WHERE ${column} = $1 ${order}`, [contact.sha256, limit]);
}

/**
 * A buyer's purchases. Two index walks, in created order, each stopping at the page size: the leads it bought first,
 * the shared ones it bought a share of (shared leads are walked alone, through their own index).
 */
export function listPurchases(d: Dialect, query: PurchaseQuery): Statement {
  const [after, direction] = query.direction === "asc" ? [">", "ASC"] : ["<", "DESC"];
  const before = query.before
    ? `AND (created_at, id) ${after} (SELECT created_at, id FROM leads WHERE id = $3)`
    : `AND ${d.typed(3, "text")} IS NULL`;
  const order = `ORDER BY created_at ${direction}, id ${direction} LIMIT $2`;
  const walks = [
    `SELECT * FROM leads WHERE status = 'sold' AND buyer_id = $1 ${before} ${order}`,
    `SELECT * FROM leads WHERE shares IS NOT NULL AND buyer_id <> $1 ${before}
       AND ${d.arrayHasObjectWith("shares", "buyer_id", 1)} ${order}`,
  ];
  return statement(d, `SELECT * FROM ${d.unionAll(walks)} AS purchases ${order}`, [
    query.buyer_id,
    query.limit,
    query.before ?? null,
  ]);
}

/** Every sale (the first buyer of a sold lead, and each other buyer of a shared one) of leads created since $1. */
export const salesSince = (d: Dialect, since: number): Statement =>
  statement(
    d,
    `SELECT campaign_id, buyer_id, source_id, buyer_price_cents, created_at FROM leads
     WHERE status = 'sold' AND created_at >= $1
     UNION ALL
     SELECT ${d.elementText("s", "campaign_id")}, ${d.elementText("s", "buyer_id")}, source_id,
       ${d.elementInteger("s", "buyer_price_cents")}, created_at
     FROM leads, ${d.jsonElements("leads.shares", "s")}
     WHERE leads.shares IS NOT NULL AND created_at >= $1`,
    [since],
  );

/** How many leads a buyer bought (a shared lead counts once for each of its buyers), test leads excluded. */
export const salesCount = (d: Dialect, buyerId: string): Statement =>
  statement(
    d,
    `SELECT (SELECT COUNT(*) FROM leads WHERE status = 'sold' AND NOT test AND buyer_id = $1)
          + (SELECT COUNT(*) FROM leads, ${d.jsonElements("leads.shares", "s")}
             WHERE leads.shares IS NOT NULL AND NOT test AND ${d.elementText("s", "buyer_id")} = $1) AS count`,
    [buyerId],
  );

/** Each buyer's lifetime spend (one buyer's when $1 is not NULL): the first buyer of every sold lead, and each other
 * buyer of a shared one. The buyer is matched in each branch, so that one buyer's walks `leads_sold_buyer_created`
 * (PostgreSQL planned the filter outside the UNION ALL as a walk of every sale). */
export const spendTotals = (d: Dialect, buyerId: string | undefined): Statement =>
  statement(
    d,
    `SELECT buyer_id, SUM(cents) AS cents FROM (
       SELECT buyer_id, buyer_price_cents AS cents FROM leads WHERE status = 'sold' AND buyer_id IS NOT NULL
         AND (${d.typed(1, "text")} IS NULL OR buyer_id = $1)
       UNION ALL
       SELECT ${d.elementText("s", "buyer_id")}, ${d.elementInteger("s", "buyer_price_cents")}
       FROM leads, ${d.jsonElements("leads.shares", "s")}
       WHERE leads.shares IS NOT NULL AND (${d.typed(1, "text")} IS NULL OR ${d.elementText("s", "buyer_id")} = $1)
     ) AS sales
     GROUP BY buyer_id`,
    [buyerId ?? null],
  );
