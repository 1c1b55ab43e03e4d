// The bidder's own small store: one SQLite file beside (never inside) an exchange's, opened the way the exchange opens
// its own (WAL, synchronous FULL). It holds what the buyer bought, what became of it, and the CRM deliveries still
// owed. Nothing here is read on the ping path: the bidder loads what it needs into memory at start.
import type { DatabaseSync, SQLInputValue } from "node:sqlite";
import { inTransaction, openSqlite } from "../store/sqlite/open-sqlite.ts";
import type { HeldBid } from "./bid-book.ts";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS bidder_leads (
  id TEXT PRIMARY KEY,
  bid_id TEXT NOT NULL UNIQUE,
  exchange_id TEXT NOT NULL,
  source TEXT NOT NULL,
  sub_id TEXT NOT NULL,
  campaign_id TEXT NOT NULL,
  segment TEXT NOT NULL,
  price_cents INTEGER NOT NULL,
  email_sha256 TEXT,
  phone_sha256 TEXT,
  lead_json TEXT NOT NULL,
  test INTEGER NOT NULL,
  bought_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS bidder_leads_bought ON bidder_leads (bought_at);
CREATE INDEX IF NOT EXISTS bidder_leads_campaign ON bidder_leads (campaign_id, bought_at);
CREATE INDEX IF NOT EXISTS bidder_leads_email ON bidder_leads (email_sha256);
CREATE INDEX IF NOT EXISTS bidder_leads_phone ON bidder_leads (phone_sha256);
-- Bids awaiting their posts, when several processes share this file (shared_data_dir; src/bidder/bid-book.ts).
CREATE TABLE IF NOT EXISTS bidder_held_bids (
  bid_id TEXT PRIMARY KEY,
  campaign_id TEXT NOT NULL,
  price_cents INTEGER NOT NULL,
  test INTEGER NOT NULL,
  held_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  bid_json TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS bidder_held_bids_campaign ON bidder_held_bids (campaign_id, held_at);
CREATE TABLE IF NOT EXISTS bidder_conversions (
  lead_id TEXT PRIMARY KEY REFERENCES bidder_leads (id),
  contacted_at INTEGER,
  signed_at INTEGER,
  value_cents INTEGER,
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS bidder_deliveries (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  lead_id TEXT NOT NULL REFERENCES bidder_leads (id),
  channel TEXT NOT NULL DEFAULT 'webhook',
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  delivered_at INTEGER,
  given_up_at INTEGER,
  last_error TEXT
);
CREATE INDEX IF NOT EXISTS bidder_deliveries_due ON bidder_deliveries (next_attempt_at)
  WHERE delivered_at IS NULL AND given_up_at IS NULL;
`;

export interface BoughtLead {
  id: string;
  bidId: string;
  exchangeId: string;
  source: string;
  subId: string;
  campaignId: string;
  segment: string;
  priceCents: number;
  emailSha256?: string;
  phoneSha256?: string;
  /** The full lead: the firm bought it, and its CRM needs it. */
  lead: Record<string, unknown>;
  test: boolean;
  boughtAt: number;
}

export interface ConversionUpdate {
  contacted?: boolean;
  signed?: boolean;
  valueCents?: number;
}

export const REPORT_DIMENSIONS = ["exchange", "source", "sub_id", "campaign", "segment"] as const;
export type ReportDimension = (typeof REPORT_DIMENSIONS)[number];
const DIMENSION_COLUMN: Record<ReportDimension, string> = {
  exchange: "l.exchange_id",
  source: "l.source",
  sub_id: "l.sub_id",
  campaign: "l.campaign_id",
  segment: "l.campaign_id || ' / ' || l.segment",
};

export interface ReportRow {
  key: string;
  leads: number;
  spendCents: number;
  contacted: number;
  signed: number;
  valueCents: number;
}

/** How a bought lead reaches the firm: its CRM's webhook, or e-mail. */
export type DeliveryChannel = "webhook" | "email";

export interface DueDelivery {
  id: number;
  channel: DeliveryChannel;
  leadId: string;
  body: string;
  attempts: number;
}

export class BidderStore {
  readonly #db: DatabaseSync;
  #inTransaction = false;

  constructor(path: string) {
    this.#db = openSqlite(path);
    this.#db.exec(SCHEMA);
    // A file made before e-mail deliveries: every delivery it holds is a webhook's.
    const columns = this.#db.prepare("PRAGMA table_info(bidder_deliveries)").all();
    if (!columns.some((column) => column.name === "channel"))
      this.#db.exec("ALTER TABLE bidder_deliveries ADD COLUMN channel TEXT NOT NULL DEFAULT 'webhook'");
  }

  /** The lead and its deliveries (one per channel the firm set up), durable together before the exchange is answered. */
  insertLead(lead: BoughtLead, deliveryBody: string, channels: readonly DeliveryChannel[]): void {
    this.transaction(() => {
      this.#db
        .prepare(
          `INSERT INTO bidder_leads (id, bid_id, exchange_id, source, sub_id, campaign_id, segment, price_cents,
             email_sha256, phone_sha256, lead_json, test, bought_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)`,
        )
        .run(
          lead.id,
          lead.bidId,
          lead.exchangeId,
          lead.source,
          lead.subId,
          lead.campaignId,
          lead.segment,
          lead.priceCents,
          lead.emailSha256 ?? null,
          lead.phoneSha256 ?? null,
          JSON.stringify(lead.lead),
          lead.test ? 1 : 0,
          lead.boughtAt,
        );
      for (const channel of channels)
        this.#db
          .prepare(
            "INSERT INTO bidder_deliveries (lead_id, channel, body, next_attempt_at) VALUES (?, ?, ?, ?)",
          )
          .run(lead.id, channel, deliveryBody, lead.boughtAt);
    });
  }

  /**
   * Runs `work` in one IMMEDIATE transaction (SQLite's write lock, held across processes sharing the file), or inside
   * the one already open.
   */
  transaction<T>(work: () => T, durability: "full" | "process" = "full"): T {
    if (this.#inTransaction) return work();
    // A bid's hold need only survive the process (a power loss ends every bid anyway): its commit skips the fsync,
    // which the next lead's commit pays for everything written before it.
    if (durability === "process") this.#db.exec("PRAGMA synchronous = NORMAL");
    let result: T | undefined;
    this.#inTransaction = true;
    try {
      inTransaction(this.#db, () => {
        result = work();
      });
    } finally {
      this.#inTransaction = false;
      if (durability === "process") this.#db.exec("PRAGMA synchronous = FULL");
    }
    return result as T;
  }

  /** Live spend and leads of a campaign bought since `since`. */
  spentSince(campaignId: string, since: number): { cents: number; leads: number } {
    const row = this.#db
      .prepare(
        `SELECT COUNT(*) AS leads, COALESCE(SUM(price_cents), 0) AS cents FROM bidder_leads
          WHERE campaign_id = ? AND test = 0 AND bought_at >= ?`,
      )
      .get(campaignId, since);
    return { cents: Number(row?.cents), leads: Number(row?.leads) };
  }

  /** Live bids of a campaign made since `since` and not expired at `now`: the budget they hold. */
  heldSince(campaignId: string, since: number, now: number): { cents: number; leads: number } {
    const row = this.#db
      .prepare(
        `SELECT COUNT(*) AS leads, COALESCE(SUM(price_cents), 0) AS cents FROM bidder_held_bids
          WHERE campaign_id = ? AND test = 0 AND held_at >= ? AND expires_at > ?`,
      )
      .get(campaignId, since, now);
    return { cents: Number(row?.cents), leads: Number(row?.leads) };
  }

  insertHeldBid(bid: HeldBid): void {
    this.#run(
      `INSERT INTO bidder_held_bids (bid_id, campaign_id, price_cents, test, held_at, expires_at, bid_json)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
      bid.bidId,
      bid.campaignId,
      bid.priceCents,
      bid.test ? 1 : 0,
      bid.heldAt,
      bid.expiresAt,
      JSON.stringify(bid),
    );
  }

  heldBid(bidId: string): HeldBid | undefined {
    const row = this.#db.prepare("SELECT bid_json FROM bidder_held_bids WHERE bid_id = ?").get(bidId);
    return row ? (JSON.parse(String(row.bid_json)) as HeldBid) : undefined;
  }

  /** True when the bid was held (and is now gone). */
  deleteHeldBid(bidId: string): boolean {
    return Number(this.#db.prepare("DELETE FROM bidder_held_bids WHERE bid_id = ?").run(bidId).changes) > 0;
  }

  deleteExpiredHeldBids(now: number): void {
    this.#run("DELETE FROM bidder_held_bids WHERE expires_at <= ?", now);
  }

  /** Whether a live lead with this email or phone hash was bought since `since` (by any process sharing the file). */
  contactBoughtSince(hashes: { email_sha256?: string; phone_sha256?: string }, since: number): boolean {
    const found = (column: "email_sha256" | "phone_sha256", hash: string | undefined) =>
      hash !== undefined &&
      this.#db
        .prepare(`SELECT 1 FROM bidder_leads WHERE ${column} = ? AND test = 0 AND bought_at >= ? LIMIT 1`)
        .get(hash, since) !== undefined;
    return found("email_sha256", hashes.email_sha256) || found("phone_sha256", hashes.phone_sha256);
  }

  /** The lead a bid became, if it was posted already (a retried post gets the first answer). */
  leadByBid(bidId: string): { id: string; priceCents: number } | undefined {
    const row = this.#db.prepare("SELECT id, price_cents FROM bidder_leads WHERE bid_id = ?").get(bidId);
    return row ? { id: String(row.id), priceCents: Number(row.price_cents) } : undefined;
  }

  /** Contacts bought since `since` (live leads only), to seed the in-memory duplicate check. */
  contactsSince(since: number): { emailSha256?: string; phoneSha256?: string; boughtAt: number }[] {
    return this.#db
      .prepare(
        "SELECT email_sha256, phone_sha256, bought_at FROM bidder_leads WHERE bought_at >= ? AND test = 0",
      )
      .all(since)
      .map((row) => ({
        ...(row.email_sha256 ? { emailSha256: String(row.email_sha256) } : {}),
        ...(row.phone_sha256 ? { phoneSha256: String(row.phone_sha256) } : {}),
        boughtAt: Number(row.bought_at),
      }));
  }

  /** Live leads bought since `since`, to seed the budgets' committed spend. */
  spendSince(since: number): { campaignId: string; priceCents: number; boughtAt: number }[] {
    return this.#db
      .prepare(
        "SELECT campaign_id, price_cents, bought_at FROM bidder_leads WHERE bought_at >= ? AND test = 0",
      )
      .all(since)
      .map((row) => ({
        campaignId: String(row.campaign_id),
        priceCents: Number(row.price_cents),
        boughtAt: Number(row.bought_at),
      }));
  }

  /** Per campaign: live leads bought and cases signed, for the observed conversion rate. */
  campaignOutcomes(): Map<string, { bought: number; signed: number }> {
    const rows = this.#db
      .prepare(
        `SELECT l.campaign_id, COUNT(*) AS bought, COUNT(c.signed_at) AS signed
           FROM bidder_leads l LEFT JOIN bidder_conversions c ON c.lead_id = l.id
          WHERE l.test = 0 GROUP BY l.campaign_id`,
      )
      .all();
    return new Map(
      rows.map((row) => [
        String(row.campaign_id),
        { bought: Number(row.bought), signed: Number(row.signed) },
      ]),
    );
  }

  /**
   * Records what became of a lead. A flag once set stays set (a signed case is also contacted); the value replaces
   * the last one. False when no such lead was bought.
   */
  recordConversion(leadId: string, update: ConversionUpdate, now: number): boolean {
    const lead = this.#db.prepare("SELECT id FROM bidder_leads WHERE id = ?").get(leadId);
    if (!lead) return false;
    const contacted = update.contacted || update.signed ? now : null;
    const signed = update.signed ? now : null;
    this.#db
      .prepare(
        `INSERT INTO bidder_conversions (lead_id, contacted_at, signed_at, value_cents, updated_at)
         VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (lead_id) DO UPDATE SET
           contacted_at = COALESCE(bidder_conversions.contacted_at, excluded.contacted_at),
           signed_at = COALESCE(bidder_conversions.signed_at, excluded.signed_at),
           value_cents = COALESCE(excluded.value_cents, bidder_conversions.value_cents),
           updated_at = excluded.updated_at`,
      )
      .run(leadId, contacted, signed, update.valueCents ?? null, now);
    return true;
  }

  /** Live leads bought in [from, to), grouped by one dimension, with what became of them. */
  report(by: ReportDimension, from: number, to: number): ReportRow[] {
    return this.#db
      .prepare(
        `SELECT ${DIMENSION_COLUMN[by]} AS key, COUNT(*) AS leads, SUM(l.price_cents) AS spend,
                COUNT(c.contacted_at) AS contacted, COUNT(c.signed_at) AS signed,
                COALESCE(SUM(c.value_cents), 0) AS value
           FROM bidder_leads l LEFT JOIN bidder_conversions c ON c.lead_id = l.id
          WHERE l.test = 0 AND l.bought_at >= ? AND l.bought_at < ?
          GROUP BY key ORDER BY key`,
      )
      .all(from, to)
      .map((row) => ({
        key: String(row.key),
        leads: Number(row.leads),
        spendCents: Number(row.spend),
        contacted: Number(row.contacted),
        signed: Number(row.signed),
        valueCents: Number(row.value),
      }));
  }

  /** Per campaign and segment (all time): the numbers a suggested bid is drawn from. */
  segmentOutcomes(): { campaignId: string; segment: string; leads: number; signed: number }[] {
    return this.#db
      .prepare(
        `SELECT l.campaign_id, l.segment, COUNT(*) AS leads, COUNT(c.signed_at) AS signed
           FROM bidder_leads l LEFT JOIN bidder_conversions c ON c.lead_id = l.id
          WHERE l.test = 0 GROUP BY l.campaign_id, l.segment ORDER BY l.campaign_id, l.segment`,
      )
      .all()
      .map((row) => ({
        campaignId: String(row.campaign_id),
        segment: String(row.segment),
        leads: Number(row.leads),
        signed: Number(row.signed),
      }));
  }

  dueDeliveries(now: number, limit: number): DueDelivery[] {
    return this.#db
      .prepare(
        `SELECT id, lead_id, channel, body, attempts FROM bidder_deliveries
          WHERE delivered_at IS NULL AND given_up_at IS NULL AND next_attempt_at <= ?
          ORDER BY next_attempt_at LIMIT ?`,
      )
      .all(now, limit)
      .map((row) => ({
        id: Number(row.id),
        channel: String(row.channel) as DeliveryChannel,
        leadId: String(row.lead_id),
        body: String(row.body),
        attempts: Number(row.attempts),
      }));
  }

  markDelivered(id: number, now: number): void {
    this.#run("UPDATE bidder_deliveries SET delivered_at = ?, attempts = attempts + 1 WHERE id = ?", now, id);
  }

  /** A failed attempt: tried again at `retryAt`, or given up when undefined. */
  markFailed(id: number, error: string, now: number, retryAt: number | undefined): void {
    if (retryAt === undefined)
      this.#run(
        "UPDATE bidder_deliveries SET given_up_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
        now,
        error,
        id,
      );
    else
      this.#run(
        "UPDATE bidder_deliveries SET next_attempt_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
        retryAt,
        error,
        id,
      );
  }

  deliveryCounts(): { pending: number; delivered: number; givenUp: number } {
    const row = this.#db
      .prepare(
        `SELECT COUNT(*) - COUNT(delivered_at) - COUNT(given_up_at) AS pending, COUNT(delivered_at) AS delivered,
                COUNT(given_up_at) AS given_up FROM bidder_deliveries`,
      )
      .get();
    return {
      pending: Number(row?.pending),
      delivered: Number(row?.delivered),
      givenUp: Number(row?.given_up),
    };
  }

  close(): void {
    this.#db.close();
  }

  #run(sql: string, ...values: SQLInputValue[]): void {
    this.#db.prepare(sql).run(...values);
  }
}
