// Reading back what the exchange recorded of a period's auctions, for gavel replay and gavel simulate: each auction
// (a ping, or a direct post's auction) with its non-PII lead values, every campaign's outcome (the bids buyers made,
// the post attempts and their answers) and the lead it became when it was posted. Read-only, streamed in time order,
// one query written once over the stores' dialect seam (store/sql/dialect.ts) for the tables they write (pings,
// outcomes, leads).
// The running exchange reads through its store (Store.auctionHistory: a connection lent by its PostgreSQL pool, or a
// read-only handle on its SQLite file, see SqliteStore); gavel replay and the benchmark open one for the URL or file.
import { DatabaseSync } from "node:sqlite";
import pg from "pg";
import type { Reason } from "../domain/outcomes.ts";
import type { LeadValues } from "../domain/vertical.ts";
import { type Dialect, POSTGRES, SQLITE } from "./sql/dialect.ts";

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

/** One row of the history query: an auction's columns, its lead's, and its outcomes folded into one text. */
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
  /** One line per outcome, "phase reason campaign buyer bid" (ids have no spaces), in the order written. */
  trace: string | null;
}

const COLUMNS = [
  "id",
  "kind",
  "source_id",
  "vertical",
  "test",
  "created_at",
  "price_cents",
  "lead",
  "lead_status",
  "lead_price_cents",
  "buyer_price_cents",
  "lead_campaign_id",
  "lead_buyer_id",
  "shares",
  "trace",
] as const;

// One row per auction, its outcomes folded into one text by the database: reading rows is what costs (a row is an
// object to build), and an auction has an outcome per campaign. Written once over the stores' dialect seam: SQLite
// reads auctions in the order they were written (rowid: no sort over the whole period), PostgreSQL in time order.
function historyQuery(d: Dialect): string {
  const line = [
    "o.phase",
    "o.reason",
    "o.campaign_id",
    "o.buyer_id",
    `coalesce(${d.asText("o.bid_cents")}, '')`,
  ].join(" || ' ' || ");
  return d.text(`
  SELECT p.id, p.kind, p.source_id, p.vertical, p.test, p.created_at, p.price_cents, ${d.asText("p.lead")},
         l.status, l.price_cents, l.buyer_price_cents, l.campaign_id, l.buyer_id, ${d.asText("l.shares")},
         (SELECT ${d.linesAgg(line, `o.${d.insertionOrder("outcomes")}`)}
            FROM outcomes o WHERE o.auction_id = p.id) AS trace
  FROM pings p
  LEFT JOIN leads l ON l.auction_id = p.id
  WHERE p.created_at >= $1 AND p.created_at < $2
  ORDER BY ${d.auctionOrder("p")}`);
}

/** Auctions fetched per round trip from PostgreSQL's cursor. */
const POSTGRES_BATCH_ROWS = 5_000;

/** The recorded auctions of a period read on an open SQLite connection, in the order written. */
function* sqliteHistory(db: DatabaseSync, period: AuctionPeriod): Generator<RecordedAuction> {
  const statement = db.prepare(historyQuery(SQLITE));
  // Arrays, not objects: cheaper to build, a million times over.
  statement.setReturnArrays(true);
  for (const row of statement.iterate(period.from, period.to))
    yield auctionOf(rowOf(row as unknown as unknown[]));
}

/**
 * The recorded auctions of an embedded store's `gavel.db`, on a read-only handle of its own (the store's, gavel replay's
 * and the benchmark's). Synchronous: a caller sharing its thread yields between batches.
 */
export function* sqliteAuctionHistory(dbPath: string, period: AuctionPeriod): Generator<RecordedAuction> {
  const db = new DatabaseSync(dbPath, { readOnly: true });
  try {
    db.exec("PRAGMA busy_timeout = 5000");
    yield* sqliteHistory(db, period);
  } finally {
    db.close();
  }
}

/**
 * The recorded auctions of a period through a cursor on a PostgreSQL connection the caller has checked out (a pooled
 * one of the store's, or one opened for the purpose), in one read-only transaction.
 */
export async function* postgresHistory(
  client: pg.ClientBase,
  period: AuctionPeriod,
): AsyncGenerator<RecordedAuction> {
  await client.query("BEGIN READ ONLY");
  let done = false;
  try {
    await client.query({
      text: `DECLARE auction_history NO SCROLL CURSOR FOR ${historyQuery(POSTGRES)}`,
      values: [period.from, period.to],
    });
    for (;;) {
      const { rows } = await client.query({
        text: `FETCH ${POSTGRES_BATCH_ROWS} FROM auction_history`,
        rowMode: "array",
      });
      for (const row of rows as unknown[][]) yield auctionOf(rowOf(row));
      if (rows.length < POSTGRES_BATCH_ROWS) break;
    }
    await client.query("COMMIT");
    done = true;
  } finally {
    // Abandoned part way (the reader stopped, or a statement failed): close the cursor's transaction.
    if (!done) await client.query("ROLLBACK").catch(() => {});
  }
}

/** The same with no store open (gavel replay): its own connection (`schema`: where gavel keeps its tables). */
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
    yield* postgresHistory(client, period);
  } finally {
    await client.end();
  }
}

function rowOf(values: readonly unknown[]): HistoryRow {
  const row: Record<string, unknown> = {};
  COLUMNS.forEach((name, index) => {
    row[name] = values[index] ?? null;
  });
  return row as unknown as HistoryRow;
}

/** The outcomes of the trace text: the ping's first, then the post's, each in the order written. */
function outcomesOf(trace: string | null): RecordedOutcome[] {
  if (!trace) return [];
  const ping: RecordedOutcome[] = [];
  const post: RecordedOutcome[] = [];
  for (const line of trace.split("\n")) {
    const [phase, reason, campaign_id, buyer_id, bid] = line.split(" ");
    const outcome: RecordedOutcome = {
      phase: phase as RecordedOutcome["phase"],
      campaign_id: campaign_id!,
      buyer_id: buyer_id!,
      reason: reason as Reason,
      ...(bid ? { bid_cents: Number(bid) } : {}),
    };
    (phase === "post" ? post : ping).push(outcome);
  }
  return post.length === 0 ? ping : ping.concat(post);
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
    outcomes: outcomesOf(row.trace),
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
