// Report rollups by grain (src/domain/rollup.ts): per hour and per UTC day, by source and over all sources,
// auction and campaign rows apart. Replaces the table above; the store rebuilds the rollups from the events.
import type { Migration } from "./migration.ts";

export const reportRollupsByGrain: Migration = {
  name: "report-rollups-by-grain",
  // Changes what the report rollups count: an upgrade past it rebuilds them from the events.
  rebuildsReportRollups: true,
  sqlite: `
  DROP TABLE report_rollup;
  CREATE TABLE report_rollup (
    grain INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    test INTEGER NOT NULL,
    source_id TEXT NOT NULL,
    sub_id TEXT NOT NULL,
    vertical TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    buyer_id TEXT NOT NULL,
    auctions INTEGER NOT NULL DEFAULT 0, auctions_with_bid INTEGER NOT NULL DEFAULT 0,
    leads INTEGER NOT NULL DEFAULT 0, leads_sold INTEGER NOT NULL DEFAULT 0,
    lead_revenue_cents INTEGER NOT NULL DEFAULT 0, lead_payout_cents INTEGER NOT NULL DEFAULT 0,
    pinged INTEGER NOT NULL DEFAULT 0, bids INTEGER NOT NULL DEFAULT 0,
    bid_cents_sum INTEGER NOT NULL DEFAULT 0, wins INTEGER NOT NULL DEFAULT 0, posts INTEGER NOT NULL DEFAULT 0,
    posts_accepted INTEGER NOT NULL DEFAULT 0, sales INTEGER NOT NULL DEFAULT 0,
    revenue_cents INTEGER NOT NULL DEFAULT 0, payout_cents INTEGER NOT NULL DEFAULT 0,
    timeouts INTEGER NOT NULL DEFAULT 0, errors INTEGER NOT NULL DEFAULT 0,
    latency_0 INTEGER NOT NULL DEFAULT 0, latency_1 INTEGER NOT NULL DEFAULT 0,
    latency_2 INTEGER NOT NULL DEFAULT 0, latency_3 INTEGER NOT NULL DEFAULT 0,
    latency_4 INTEGER NOT NULL DEFAULT 0, latency_5 INTEGER NOT NULL DEFAULT 0,
    latency_6 INTEGER NOT NULL DEFAULT 0, latency_7 INTEGER NOT NULL DEFAULT 0,
    latency_8 INTEGER NOT NULL DEFAULT 0, latency_9 INTEGER NOT NULL DEFAULT 0,
    latency_10 INTEGER NOT NULL DEFAULT 0, latency_11 INTEGER NOT NULL DEFAULT 0,
    latency_12 INTEGER NOT NULL DEFAULT 0, latency_13 INTEGER NOT NULL DEFAULT 0,
    latency_14 INTEGER NOT NULL DEFAULT 0, latency_15 INTEGER NOT NULL DEFAULT 0,
    bid_cents_max INTEGER NOT NULL DEFAULT 0, latency_max INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, hour, test, source_id, sub_id, vertical, campaign_id, buyer_id)
  ) WITHOUT ROWID;
  `,
  postgres: `
  DROP TABLE report_rollup;
  CREATE TABLE report_rollup (
    grain smallint NOT NULL,
    hour bigint NOT NULL,
    test boolean NOT NULL,
    source_id text COLLATE "C" NOT NULL,
    sub_id text COLLATE "C" NOT NULL,
    vertical text COLLATE "C" NOT NULL,
    campaign_id text COLLATE "C" NOT NULL,
    buyer_id text COLLATE "C" NOT NULL,
    auctions bigint NOT NULL DEFAULT 0, auctions_with_bid bigint NOT NULL DEFAULT 0,
    leads bigint NOT NULL DEFAULT 0, leads_sold bigint NOT NULL DEFAULT 0,
    lead_revenue_cents bigint NOT NULL DEFAULT 0, lead_payout_cents bigint NOT NULL DEFAULT 0,
    pinged bigint NOT NULL DEFAULT 0, bids bigint NOT NULL DEFAULT 0,
    bid_cents_sum bigint NOT NULL DEFAULT 0, wins bigint NOT NULL DEFAULT 0, posts bigint NOT NULL DEFAULT 0,
    posts_accepted bigint NOT NULL DEFAULT 0, sales bigint NOT NULL DEFAULT 0,
    revenue_cents bigint NOT NULL DEFAULT 0, payout_cents bigint NOT NULL DEFAULT 0,
    timeouts bigint NOT NULL DEFAULT 0, errors bigint NOT NULL DEFAULT 0,
    latency_0 bigint NOT NULL DEFAULT 0, latency_1 bigint NOT NULL DEFAULT 0,
    latency_2 bigint NOT NULL DEFAULT 0, latency_3 bigint NOT NULL DEFAULT 0,
    latency_4 bigint NOT NULL DEFAULT 0, latency_5 bigint NOT NULL DEFAULT 0,
    latency_6 bigint NOT NULL DEFAULT 0, latency_7 bigint NOT NULL DEFAULT 0,
    latency_8 bigint NOT NULL DEFAULT 0, latency_9 bigint NOT NULL DEFAULT 0,
    latency_10 bigint NOT NULL DEFAULT 0, latency_11 bigint NOT NULL DEFAULT 0,
    latency_12 bigint NOT NULL DEFAULT 0, latency_13 bigint NOT NULL DEFAULT 0,
    latency_14 bigint NOT NULL DEFAULT 0, latency_15 bigint NOT NULL DEFAULT 0,
    bid_cents_max bigint NOT NULL DEFAULT 0, latency_max bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, hour, test, source_id, sub_id, vertical, campaign_id, buyer_id)
  );
  `,
};
