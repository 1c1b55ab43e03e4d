// Report rollups: what the reports read instead of the raw events. Every write that stores pings, outcomes or a lead
// also adds its counts to `report_rollup`, in the same transaction: per UTC hour and per UTC day, per source and
// sub-id and summed over sub-ids or sources, per vertical and campaign. Pure: the stores upsert the rows built here.
//
// Why pre-aggregate rather than GROUP BY the raw tables behind indexes: a million leads come with over a million
// pings and several million outcomes (one per campaign per ping). Aggregating those for a month takes seconds on
// either backend whatever the index, since every row of the range must be read. The rollups hold one row per grain
// and period per source × sub-id × campaign that saw traffic, and a report reads the coarsest grain that answers it:
// a month by buyer reads a few hundred day rows, a month by campaign and local day a few thousand hour rows. The
// price is paid on writes: a few upserts per touched row, batched with the ping events, one statement per sale.
//
// Auction rows (campaign_id '') count what the source side sees: auctions, bids and wins of all campaigns, leads
// posted and sold, revenue and payouts per lead. Campaign rows count one campaign's side: pings it was sent, bids,
// wins, posts, sales, its revenue and payout share, latency (a fixed histogram), timeouts and errors.
import type { Reason } from "./outcomes.ts";
import { type LeadRecord, type OutcomeRecord, type PingRecord, salesOf } from "./records.ts";

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Upper bounds (ms, inclusive) of the latency histogram's buckets; one more bucket holds everything slower. */
export const LATENCY_BOUNDS_MS = [
  10, 25, 50, 75, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000,
] as const;
export const LATENCY_COLUMNS = [
  "latency_0",
  "latency_1",
  "latency_2",
  "latency_3",
  "latency_4",
  "latency_5",
  "latency_6",
  "latency_7",
  "latency_8",
  "latency_9",
  "latency_10",
  "latency_11",
  "latency_12",
  "latency_13",
  "latency_14",
  "latency_15",
] as const;

export const ROLLUP_KEY_COLUMNS = [
  "grain",
  "hour",
  "test",
  "source_id",
  "sub_id",
  "vertical",
  "campaign_id",
  "buyer_id",
] as const;

/** What auction rows add up (and what a report by source, sub-id, vertical or time reads). */
export const AUCTION_SUM_COLUMNS = [
  "auctions",
  "auctions_with_bid",
  "leads",
  "leads_sold",
  "lead_revenue_cents",
  "lead_payout_cents",
  "bids",
  "bid_cents_sum",
  "wins",
  "returns",
  // Ping-post leads' time from ping to post: the sum (ms) and how many, for the average.
  "ping_to_post_ms_sum",
  "ping_to_post_count",
] as const;

/** What campaign rows add up (and what a report by buyer or campaign reads). */
export const CAMPAIGN_SUM_COLUMNS = [
  "pinged",
  "bids",
  "bid_cents_sum",
  "wins",
  "posts",
  "posts_accepted",
  "sales",
  "revenue_cents",
  "payout_cents",
  "timeouts",
  "errors",
  "returns",
  // The ping-to-post time of the leads it bought (sum in ms, and how many).
  "ping_to_post_ms_sum",
  "ping_to_post_count",
  // The latency histogram: one count per bucket of LATENCY_BOUNDS_MS, the last for anything slower.
  ...LATENCY_COLUMNS,
] as const;

export type RollupSumColumn = (typeof AUCTION_SUM_COLUMNS)[number] | (typeof CAMPAIGN_SUM_COLUMNS)[number];

/** Columns added up on every write. */
export const ROLLUP_SUM_COLUMNS: readonly RollupSumColumn[] = [
  ...new Set<RollupSumColumn>([...AUCTION_SUM_COLUMNS, ...CAMPAIGN_SUM_COLUMNS]),
];

/** Columns that keep the largest value written. */
export const ROLLUP_MAX_COLUMNS = ["bid_cents_max", "latency_max"] as const;

export type RollupKeyColumn = (typeof ROLLUP_KEY_COLUMNS)[number];
export type RollupMaxColumn = (typeof ROLLUP_MAX_COLUMNS)[number];

export interface RollupKey {
  /** Which rows these are: GRAIN flags (campaign or auction, all sources or by source, daily or hourly). */
  grain: number;
  /** Epoch ms of the UTC hour's start, or of the UTC day's on a daily grain. */
  hour: number;
  test: boolean;
  source_id: string;
  /** '' when the lead came without one. */
  sub_id: string;
  vertical: string;
  /** '' on an auction row. */
  campaign_id: string;
  buyer_id: string;
}

/**
 * One rollup row: its key and its measures. A class with every measure declared, not an object built column by column:
 * a batch creates a row for nearly every count it holds, and this shape is created some hundred times faster.
 */
export class RollupRow implements RollupKey, Record<RollupSumColumn | RollupMaxColumn, number> {
  readonly grain: number;
  readonly hour: number;
  readonly test: boolean;
  readonly source_id: string;
  readonly sub_id: string;
  readonly vertical: string;
  readonly campaign_id: string;
  readonly buyer_id: string;
  auctions = 0;
  auctions_with_bid = 0;
  leads = 0;
  leads_sold = 0;
  lead_revenue_cents = 0;
  lead_payout_cents = 0;
  pinged = 0;
  bids = 0;
  bid_cents_sum = 0;
  wins = 0;
  posts = 0;
  posts_accepted = 0;
  sales = 0;
  revenue_cents = 0;
  payout_cents = 0;
  timeouts = 0;
  errors = 0;
  returns = 0;
  ping_to_post_ms_sum = 0;
  ping_to_post_count = 0;
  latency_0 = 0;
  latency_1 = 0;
  latency_2 = 0;
  latency_3 = 0;
  latency_4 = 0;
  latency_5 = 0;
  latency_6 = 0;
  latency_7 = 0;
  latency_8 = 0;
  latency_9 = 0;
  latency_10 = 0;
  latency_11 = 0;
  latency_12 = 0;
  latency_13 = 0;
  latency_14 = 0;
  latency_15 = 0;
  bid_cents_max = 0;
  latency_max = 0;

  constructor(key: RollupKey) {
    this.grain = key.grain;
    this.hour = key.hour;
    this.test = key.test;
    this.source_id = key.source_id;
    this.sub_id = key.sub_id;
    this.vertical = key.vertical;
    this.campaign_id = key.campaign_id;
    this.buyer_id = key.buyer_id;
  }
}

/** What an outcome is attributed to: its auction's (or lead's) source, sub-id, vertical and test flag. */
export type AuctionDimensions = Pick<PingRecord, "source_id" | "vertical" | "test" | "sub_id">;

/** The parts of an outcome a rollup counts. */
export type RolledUpOutcome = Pick<
  OutcomeRecord,
  "campaign_id" | "buyer_id" | "reason" | "bid_cents" | "latency_ms" | "at"
>;

/** The parts of a lead a rollup counts (never its PII). */
export type RolledUpLead = AuctionDimensions &
  Pick<
    LeadRecord,
    | "status"
    | "price_cents"
    | "buyer_price_cents"
    | "campaign_id"
    | "buyer_id"
    | "shares"
    | "created_at"
    | "ping_to_post_ms"
  >;

const PING_ERRORS: ReadonlySet<Reason> = new Set(["buyer_error", "unreachable", "invalid_response"]);
const POST_ATTEMPTS: ReadonlySet<Reason> = new Set([
  "post_accepted",
  "post_rejected",
  "post_duplicate",
  "post_timeout",
  "post_error",
]);

/**
 * Each count lands in a row per grain: by hour, per source and sub-id, per source, and over all sources (source_id and
 * sub_id ''); by UTC day, over all sources, and per source and sub-id for auction rows. A report reads the coarsest
 * grain that answers it: a month by buyer reads a few hundred all-sources day rows, not every source's every hour.
 * Auction rows and campaign rows are grains of their own too, so a report of one kind never steps over the other's.
 */
export const GRAIN = { campaign: 1, allSources: 2, daily: 4, allSubIds: 8 } as const;

/** Rows keyed for merging; the stores upsert `rows()` (sorted, so concurrent writers lock rows in one order). */
export class RollupBatch {
  readonly #rows = new Map<string, RollupRow>();
  /** What #rowsFor found, by the count's dimensions, hour, campaign and buyer. */
  readonly #rowsByCount = new Map<string, RollupRow[]>();
  #lastDimensions: { auction: AuctionDimensions; key: string } | undefined;
  #lastAuctionRows: { auction: AuctionDimensions; at: number; rows: RollupRow[] } | undefined;

  get size(): number {
    return this.#rows.size;
  }

  /** Counts an auction (a ping, or a direct post's auction) that was written. */
  addAuction(ping: AuctionDimensions & Pick<PingRecord, "status" | "created_at">): void {
    for (const row of this.#rowsFor(ping.created_at, ping, "", "")) {
      row.auctions += 1;
      if (ping.status === "bid") row.auctions_with_bid += 1;
    }
  }

  /** Counts one campaign's ping-phase outcome, attributed to its auction. */
  addPingOutcome(outcome: RolledUpOutcome, auction: AuctionDimensions): void {
    const campaignRows = this.#rowsFor(outcome.at, auction, outcome.campaign_id, outcome.buyer_id);
    // The auction rows carry the bids and wins of all their campaigns: reports by source read nothing else.
    countBidAndWin(this.#auctionRowsFor(outcome.at, auction), outcome);
    countBidAndWin(campaignRows, outcome);
    for (const row of campaignRows) {
      // Sent a ping: the buyer answered, failed or ran out of time, or has a fixed price (a bid without asking).
      if (outcome.latency_ms !== undefined || outcome.bid_cents !== undefined) row.pinged += 1;
      if (outcome.reason === "timeout") row.timeouts += 1;
      if (PING_ERRORS.has(outcome.reason)) row.errors += 1;
      if (outcome.latency_ms !== undefined) {
        row[LATENCY_COLUMNS[latencyBucket(outcome.latency_ms)]!] += 1;
        row.latency_max = Math.max(row.latency_max, Math.round(outcome.latency_ms));
      }
    }
  }

  /** Counts a posted lead and its sales (each buyer of a shared lead). */
  addLead(lead: RolledUpLead): void {
    const sales = salesOf(lead as LeadRecord);
    for (const row of this.#rowsFor(lead.created_at, lead, "", "")) {
      row.leads += 1;
      if (lead.status === "sold") row.leads_sold += 1;
      row.lead_revenue_cents += sales.reduce((sum, sale) => sum + sale.buyer_price_cents, 0);
      row.lead_payout_cents += lead.price_cents;
      addPingToPost(row, lead.ping_to_post_ms);
    }
    const payouts = splitPayout(
      lead.price_cents,
      sales.map((sale) => sale.buyer_price_cents),
    );
    sales.forEach((sale, index) => {
      for (const row of this.#rowsFor(lead.created_at, lead, sale.campaign_id, sale.buyer_id)) {
        row.sales += 1;
        row.revenue_cents += sale.buyer_price_cents;
        row.payout_cents += payouts[index]!;
        addPingToPost(row, lead.ping_to_post_ms);
      }
    });
  }

  /**
   * Counts an approved return in the period its lead was sold (so a report's returns are of the leads it sold), on
   * the lead's auction rows and on the returning sale's campaign rows.
   */
  addReturn(
    lead: AuctionDimensions & Pick<LeadRecord, "created_at">,
    sale: { campaign_id: string; buyer_id: string },
  ) {
    for (const row of this.#rowsFor(lead.created_at, lead, "", "")) row.returns += 1;
    for (const row of this.#rowsFor(lead.created_at, lead, sale.campaign_id, sale.buyer_id)) row.returns += 1;
  }

  /** Counts one campaign's post-phase outcome, attributed to the lead's source. */
  addPostOutcome(outcome: RolledUpOutcome, lead: AuctionDimensions): void {
    for (const row of this.#rowsFor(outcome.at, lead, outcome.campaign_id, outcome.buyer_id)) {
      if (POST_ATTEMPTS.has(outcome.reason)) row.posts += 1;
      if (outcome.reason === "post_accepted") row.posts_accepted += 1;
      if (outcome.reason === "post_timeout") row.timeouts += 1;
      if (outcome.reason === "post_error") row.errors += 1;
    }
  }

  /**
   * Adds another batch's counts to this one's rows: the writes of one SQLite transaction upsert their rollups once. The
   * other batch's rows are taken over, not copied: it must not be used again.
   */
  takeOver(other: RollupBatch): void {
    for (const [key, row] of other.#rows) {
      const mine = this.#rows.get(key);
      if (mine === undefined) {
        this.#rows.set(key, row);
        continue;
      }
      for (const column of ROLLUP_SUM_COLUMNS) mine[column] += row[column];
      for (const column of ROLLUP_MAX_COLUMNS) mine[column] = Math.max(mine[column], row[column]);
    }
  }

  rows(): RollupRow[] {
    return [...this.#rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  }

  /**
   * An auction's own rows (no campaign), kept for its next outcome: a batch holds each auction's outcomes together,
   * stamped with one time, and each would otherwise look up the same five rows again (on the writer thread, per ping).
   */
  #auctionRowsFor(at: number, auction: AuctionDimensions): RollupRow[] {
    const last = this.#lastAuctionRows;
    if (last?.auction === auction && last.at === at) return last.rows;
    const rows = this.#rowsFor(at, auction, "", "");
    this.#lastAuctionRows = { auction, at, rows };
    return rows;
  }

  /**
   * The rows a count at `at` goes to: by hour (by source and sub-id, by source, all sources) and by UTC day. Found
   * again by one key of the count's dimensions, hour and campaign: a batch of pings counts the same few campaigns of
   * the same source again and again (on the writer thread, five lookups per outcome otherwise, each building a key of
   * its own).
   */
  #rowsFor(at: number, auction: AuctionDimensions, campaignId: string, buyerId: string): RollupRow[] {
    const hour = Math.floor(at / HOUR_MS) * HOUR_MS;
    const key = [this.#dimensionsKey(auction), hour, campaignId, buyerId].join("\u0000");
    let rows = this.#rowsByCount.get(key);
    if (rows === undefined) {
      rows = this.#grainRows(hour, auction, campaignId, buyerId);
      this.#rowsByCount.set(key, rows);
    }
    return rows;
  }

  /** An auction's dimensions as one key, kept for its next count (a batch holds each auction's counts together). */
  #dimensionsKey(auction: AuctionDimensions): string {
    const last = this.#lastDimensions;
    if (last?.auction === auction) return last.key;
    const key = [auction.test ? 1 : 0, auction.source_id, auction.sub_id ?? "", auction.vertical].join(
      "\u0000",
    );
    this.#lastDimensions = { auction, key };
    return key;
  }

  #grainRows(hour: number, auction: AuctionDimensions, campaignId: string, buyerId: string): RollupRow[] {
    const level = campaignId === "" ? 0 : GRAIN.campaign;
    const day = Math.floor(hour / DAY_MS) * DAY_MS;
    const rows = [
      this.#row(level, hour, auction, campaignId, buyerId),
      this.#row(level | GRAIN.allSubIds, hour, auction, campaignId, buyerId),
      this.#row(level | GRAIN.allSources, hour, auction, campaignId, buyerId),
      this.#row(level | GRAIN.allSources | GRAIN.daily, day, auction, campaignId, buyerId),
    ];
    // Per source and day only for auction rows: for campaign rows it would be as many rows again as the finest
    // grain on every write, to spare reports by source and campaign a month of hours.
    if (level === 0) rows.push(this.#row(GRAIN.daily, day, auction, campaignId, buyerId));
    return rows;
  }

  #row(
    grain: number,
    period: number,
    auction: AuctionDimensions,
    campaignId: string,
    buyerId: string,
  ): RollupRow {
    const allSources = (grain & GRAIN.allSources) !== 0;
    const sourceId = allSources ? "" : auction.source_id;
    const subId = allSources || (grain & GRAIN.allSubIds) !== 0 ? "" : (auction.sub_id ?? "");
    const key = [
      grain,
      period,
      auction.test ? 1 : 0,
      sourceId,
      subId,
      auction.vertical,
      campaignId,
      buyerId,
    ].join("\u0000");
    let row = this.#rows.get(key);
    if (!row) {
      row = new RollupRow({
        grain,
        hour: period,
        test: auction.test,
        source_id: sourceId,
        sub_id: subId,
        vertical: auction.vertical,
        campaign_id: campaignId,
        buyer_id: buyerId,
      });
      this.#rows.set(key, row);
    }
    return row;
  }
}

/** Counts a ping outcome's bid and win on each of `rows`. */
function countBidAndWin(rows: readonly RollupRow[], outcome: RolledUpOutcome): void {
  for (const row of rows) {
    if (outcome.bid_cents !== undefined) {
      row.bids += 1;
      row.bid_cents_sum += outcome.bid_cents;
      row.bid_cents_max = Math.max(row.bid_cents_max, outcome.bid_cents);
    }
    if (outcome.reason === "won") row.wins += 1;
  }
}

/** Counts a lead's ping-to-post time, when it has one (a direct post has none). */
function addPingToPost(row: RollupRow, pingToPostMs: number | undefined): void {
  if (pingToPostMs === undefined) return;
  row.ping_to_post_ms_sum += Math.round(pingToPostMs);
  row.ping_to_post_count += 1;
}

/** The histogram bucket a latency falls in. */
export function latencyBucket(latencyMs: number): number {
  const index = LATENCY_BOUNDS_MS.findIndex((bound) => latencyMs <= bound);
  return index === -1 ? LATENCY_BOUNDS_MS.length : index;
}

/**
 * A shared lead's payout to the source, split among its buyers in proportion to what each paid (cents rounded down;
 * what rounding leaves goes to the first buyer), so the buyers' payouts add up to the lead's exactly. An exclusive
 * lead's whole payout is its one buyer's.
 */
export function splitPayout(payoutCents: number, buyerPricesCents: readonly number[]): number[] {
  if (buyerPricesCents.length === 0) return [];
  const total = buyerPricesCents.reduce((sum, price) => sum + price, 0);
  const shares = buyerPricesCents.map((price) =>
    total === 0 ? 0 : Math.floor((payoutCents * price) / total),
  );
  shares[0] = payoutCents - shares.slice(1).reduce((sum, share) => sum + share, 0);
  return shares;
}

/** The rollup of one batch of ping events; `dimensionsOf` finds the auction of an outcome whose ping is not in it. */
export function rollupAuctionEvents(
  pings: readonly PingRecord[],
  outcomes: readonly OutcomeRecord[],
  dimensionsOf: (auctionId: string) => AuctionDimensions | undefined,
): RollupBatch {
  const batch = new RollupBatch();
  const auctions = new Map<string, AuctionDimensions>();
  for (const ping of pings) {
    batch.addAuction(ping);
    auctions.set(ping.id, ping);
  }
  for (const outcome of outcomes) {
    if (outcome.phase !== "ping") continue;
    const auction = auctions.get(outcome.auction_id) ?? dimensionsOf(outcome.auction_id);
    // An outcome whose auction was never written cannot be attributed to a source; the trace still has it.
    if (auction) batch.addPingOutcome(outcome, auction);
  }
  return batch;
}

/** The rollup of one lead written with its post outcomes (added to `batch`, when given, with other leads'). */
export function rollupLead(
  lead: LeadRecord,
  outcomes: readonly OutcomeRecord[],
  batch = new RollupBatch(),
): RollupBatch {
  batch.addLead(lead);
  for (const outcome of outcomes) if (outcome.phase === "post") batch.addPostOutcome(outcome, lead);
  return batch;
}

/** Every rollup column, keys first, in the table's order. */
export const ROLLUP_COLUMNS: readonly string[] = [
  ...ROLLUP_KEY_COLUMNS,
  ...ROLLUP_SUM_COLUMNS,
  ...ROLLUP_MAX_COLUMNS,
];

/** A row's values in ROLLUP_COLUMNS order (`test` as the store writes booleans). */
export function rollupRowValues(row: RollupRow, bool: (value: boolean) => unknown): unknown[] {
  return ROLLUP_COLUMNS.map((column) =>
    column === "test" ? bool(row.test) : (row as unknown as Record<string, unknown>)[column],
  );
}
