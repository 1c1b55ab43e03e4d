// Reading back what the exchange recorded of a period's auctions, for gavel replay and gavel simulate: each auction
// (a ping, or a direct post's auction) with its non-PII lead values, every campaign's outcome (the bids buyers made,
// the post attempts and their answers) and the lead it became when it was posted. Read-only, streamed in time order,
// one query written for SQLite and for PostgreSQL over the tables the store writes (pings, outcomes, leads).
// Kept apart from the stores on purpose: it only reads, and needs no part of their write paths.
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import type { Reason } from "../domain/outcomes.ts";
import type { LeadValues } from "../domain/vertical.ts";

/** One recorded auction, as replay needs it. Money in cents, times in epoch ms. */
export interface RecordedAuction {
  id: string;
  kind: "ping" | "direct";
  source_id: string;
  vertical: string;
  test: boolean;
  created_at: number;
  /** The price quoted to the source (0 for no bid, and for a direct post's auction). */
  quoted_cents: number;
  /** The non-PII values that were auctioned. */
  lead: LeadValues;
  /** Every outcome, pings first, each phase in the order it was written. */
  outcomes: RecordedOutcome[];
  /** The lead it became when posted (a ping nobody posted has none). */
  sale?: RecordedSale;
}

export interface RecordedOutcome {
  phase: "ping" | "post";
  campaign_id: string;
  buyer_id: string;
  reason: Reason;
  bid_cents?: number;
}

export interface RecordedSale {
  status: "sold" | "unsold";
  /** Paid to the source. */
  price_cents: number;
  buyer_price_cents?: number;
  campaign_id?: string;
  buyer_id?: string;
  /** A shared lead's further buyers, each with what it was charged. */
  shares: { campaign_id: string; buyer_id: string; buyer_price_cents: number }[];
}

export interface AuctionPeriod {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
}

/** What one row of the history query holds: an auction's columns, its lead's, and one outcome (or none). */
interface HistoryRow {
  id: string;
  kind: string;
  source_id: string;
  vertical: string;
  test: number | boolean;
  created_at: number | string;
  price_cents: number;
  lead: string | LeadValues;
  lead_status: string | null;
  lead_price_cents: number | null;
  buyer_price_cents: number | null;
  lead_campaign_id: string | null;
  lead_buyer_id: string | null;
  shares: string | null;
  phase: string | null;
  campaign_id: string | null;
  buyer_id: string | null;
  reason: string | null;
  bid_cents: number | null;
}

// Each auction's outcomes: the ping's first, then the post's, each in the order written (SQLite's rowid, PostgreSQL's
// serial id). The leads join is on their unique auction_id, outcomes on their auction index.
const SQLITE_HISTORY = `
  SELECT p.id, p.kind, p.source_id, p.vertical, p.test, p.created_at, p.price_cents, p.lead,
         l.status AS lead_status, l.price_cents AS lead_price_cents, l.buyer_price_cents,
         l.campaign_id AS lead_campaign_id, l.buyer_id AS lead_buyer_id, l.shares,
         o.phase, o.campaign_id, o.buyer_id, o.reason, o.bid_cents
  FROM pings p
  LEFT JOIN leads l ON l.auction_id = p.id
  LEFT JOIN outcomes o ON o.auction_id = p.id
  WHERE p.created_at >= ? AND p.created_at < ?
  ORDER BY p.created_at, p.id, o.phase = 'post', o.rowid`;

const POSTGRES_HISTORY = `
  SELECT p.id, p.kind, p.source_id, p.vertical, p.test, p.created_at, p.price_cents, p.lead,
         l.status AS lead_status, l.price_cents AS lead_price_cents, l.buyer_price_cents,
         l.campaign_id AS lead_campaign_id, l.buyer_id AS lead_buyer_id, l.shares::text AS shares,
         o.phase, o.campaign_id, o.buyer_id, o.reason, o.bid_cents
  FROM pings p
  LEFT JOIN leads l ON l.auction_id = p.id
  LEFT JOIN outcomes o ON o.auction_id = p.id
  WHERE p.created_at >= $1 AND p.created_at < $2
  ORDER BY p.created_at, p.id, o.phase = 'post', o.id`;

/** Rows fetched per round trip from PostgreSQL's cursor. */
const POSTGRES_BATCH_ROWS = 20_000;

/** The recorded auctions of a period in an embedded store's `gavel.db`, oldest first, opened read-only. */
export function* sqliteAuctionHistory(dbPath: string, period: AuctionPeriod): Generator<RecordedAuction> {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    const rows = db.prepare(SQLITE_HISTORY).iterate(period.from, period.to) as Iterable<HistoryRow>;
    yield* groupByAuction(rows);
  } finally {
    db.close();
  }
}

/** The same from PostgreSQL (`schema`: where gavel keeps its tables, when not the search path), through a cursor. */
export async function* postgresAuctionHistory(
  databaseUrl: string,
  period: AuctionPeriod,
  options: { schema?: string } = {},
): AsyncGenerator<RecordedAuction> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    if (options.schema) {
      if (!/^[a-z_][a-z0-9_]*$/.test(options.schema)) throw new Error(`bad schema name ${options.schema}`);
      await client.query(`SET search_path TO ${options.schema}`);
    }
    await client.query("BEGIN READ ONLY");
    await client.query({
      text: `DECLARE auction_history NO SCROLL CURSOR FOR ${POSTGRES_HISTORY}`,
      values: [period.from, period.to],
    });
    const grouper = new AuctionGrouper();
    for (;;) {
      const { rows } = await client.query<HistoryRow>(`FETCH ${POSTGRES_BATCH_ROWS} FROM auction_history`);
      for (const row of rows) {
        const done = grouper.add(row);
        if (done) yield done;
      }
      if (rows.length < POSTGRES_BATCH_ROWS) break;
    }
    const last = grouper.finish();
    if (last) yield last;
    await client.query("COMMIT");
  } finally {
    await client.end();
  }
}

function* groupByAuction(rows: Iterable<HistoryRow>): Generator<RecordedAuction> {
  const grouper = new AuctionGrouper();
  for (const row of rows) {
    const done = grouper.add(row);
    if (done) yield done;
  }
  const last = grouper.finish();
  if (last) yield last;
}

/** Folds consecutive rows of one auction into one record; hands back the previous auction when a new one starts. */
class AuctionGrouper {
  #current: RecordedAuction | undefined;

  add(row: HistoryRow): RecordedAuction | undefined {
    let done: RecordedAuction | undefined;
    if (this.#current?.id !== row.id) {
      done = this.#current;
      this.#current = auctionOf(row);
    }
    if (row.campaign_id !== null && row.phase !== null && row.buyer_id !== null && row.reason !== null) {
      this.#current.outcomes.push({
        phase: row.phase as RecordedOutcome["phase"],
        campaign_id: row.campaign_id,
        buyer_id: row.buyer_id,
        reason: row.reason as Reason,
        ...(row.bid_cents === null ? {} : { bid_cents: Number(row.bid_cents) }),
      });
    }
    return done;
  }

  finish(): RecordedAuction | undefined {
    const last = this.#current;
    this.#current = undefined;
    return last;
  }
}

function auctionOf(row: HistoryRow): RecordedAuction {
  const auction: RecordedAuction = {
    id: row.id,
    kind: row.kind as RecordedAuction["kind"],
    source_id: row.source_id,
    vertical: row.vertical,
    test: row.test === true || row.test === 1,
    created_at: Number(row.created_at),
    quoted_cents: row.kind === "ping" ? Number(row.price_cents) : 0,
    lead: typeof row.lead === "string" ? (JSON.parse(row.lead) as LeadValues) : row.lead,
    outcomes: [],
  };
  if (row.lead_status !== null) {
    auction.sale = {
      status: row.lead_status as RecordedSale["status"],
      price_cents: Number(row.lead_price_cents ?? 0),
      ...(row.buyer_price_cents === null ? {} : { buyer_price_cents: Number(row.buyer_price_cents) }),
      ...(row.lead_campaign_id === null ? {} : { campaign_id: row.lead_campaign_id }),
      ...(row.lead_buyer_id === null ? {} : { buyer_id: row.lead_buyer_id }),
      shares: row.shares ? (JSON.parse(row.shares) as RecordedSale["shares"]) : [],
    };
  }
  return auction;
}
