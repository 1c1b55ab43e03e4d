// Report rollups gain a grain (each source over its sub-ids): emptied here, rebuilt from the events by the store.
import type { Migration } from "./migration.ts";

export const reportRollupsSubIdGrain: Migration = {
  name: "report-rollups-sub-id-grain",
  // Changes what the report rollups count: an upgrade past it rebuilds them from the events.
  rebuildsReportRollups: true,
  sqlite: `
  DELETE FROM report_rollup;
  `,
  // Report rollups partitioned by grain, so a report reads only its grain's rows (SQLite's table is clustered by grain
  // already); counts as integer, sums of cents as bigint. The store rebuilds the rollups from the events.
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
    auctions integer NOT NULL DEFAULT 0, auctions_with_bid integer NOT NULL DEFAULT 0,
    leads integer NOT NULL DEFAULT 0, leads_sold integer NOT NULL DEFAULT 0,
    lead_revenue_cents bigint NOT NULL DEFAULT 0, lead_payout_cents bigint NOT NULL DEFAULT 0,
    pinged integer NOT NULL DEFAULT 0, bids integer NOT NULL DEFAULT 0,
    bid_cents_sum bigint NOT NULL DEFAULT 0, wins integer NOT NULL DEFAULT 0, posts integer NOT NULL DEFAULT 0,
    posts_accepted integer NOT NULL DEFAULT 0, sales integer NOT NULL DEFAULT 0,
    revenue_cents bigint NOT NULL DEFAULT 0, payout_cents bigint NOT NULL DEFAULT 0,
    timeouts integer NOT NULL DEFAULT 0, errors integer NOT NULL DEFAULT 0,
    latency_0 integer NOT NULL DEFAULT 0, latency_1 integer NOT NULL DEFAULT 0,
    latency_2 integer NOT NULL DEFAULT 0, latency_3 integer NOT NULL DEFAULT 0,
    latency_4 integer NOT NULL DEFAULT 0, latency_5 integer NOT NULL DEFAULT 0,
    latency_6 integer NOT NULL DEFAULT 0, latency_7 integer NOT NULL DEFAULT 0,
    latency_8 integer NOT NULL DEFAULT 0, latency_9 integer NOT NULL DEFAULT 0,
    latency_10 integer NOT NULL DEFAULT 0, latency_11 integer NOT NULL DEFAULT 0,
    latency_12 integer NOT NULL DEFAULT 0, latency_13 integer NOT NULL DEFAULT 0,
    latency_14 integer NOT NULL DEFAULT 0, latency_15 integer NOT NULL DEFAULT 0,
    bid_cents_max integer NOT NULL DEFAULT 0, latency_max integer NOT NULL DEFAULT 0,
    PRIMARY KEY (grain, hour, test, source_id, sub_id, vertical, campaign_id, buyer_id)
  ) PARTITION BY LIST (grain);
  CREATE TABLE report_rollup_0 PARTITION OF report_rollup FOR VALUES IN (0);
  CREATE TABLE report_rollup_1 PARTITION OF report_rollup FOR VALUES IN (1);
  CREATE TABLE report_rollup_2 PARTITION OF report_rollup FOR VALUES IN (2);
  CREATE TABLE report_rollup_3 PARTITION OF report_rollup FOR VALUES IN (3);
  CREATE TABLE report_rollup_4 PARTITION OF report_rollup FOR VALUES IN (4);
  CREATE TABLE report_rollup_5 PARTITION OF report_rollup FOR VALUES IN (5);
  CREATE TABLE report_rollup_6 PARTITION OF report_rollup FOR VALUES IN (6);
  CREATE TABLE report_rollup_7 PARTITION OF report_rollup FOR VALUES IN (7);
  CREATE TABLE report_rollup_8 PARTITION OF report_rollup FOR VALUES IN (8);
  CREATE TABLE report_rollup_9 PARTITION OF report_rollup FOR VALUES IN (9);
  CREATE TABLE report_rollup_other PARTITION OF report_rollup DEFAULT;
  `,
};
