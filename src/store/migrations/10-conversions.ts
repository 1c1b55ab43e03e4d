// Buyer feedback (conversions: one row per lead, buyer and stage), and the indexes that list a buyer's purchases
// newest first: as the first buyer, and among shared leads.
import type { Migration } from "./migration.ts";

export const conversions: Migration = {
  name: "conversions",
  sqlite: `
  CREATE TABLE conversions (
    id TEXT PRIMARY KEY,
    lead_id TEXT NOT NULL,
    buyer_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    stage TEXT NOT NULL,
    at INTEGER NOT NULL,
    value_cents INTEGER,
    note TEXT,
    created_at INTEGER NOT NULL,
    UNIQUE (lead_id, buyer_id, stage)
  );
  CREATE INDEX leads_sold_buyer_created ON leads (buyer_id, created_at, id) WHERE status = 'sold';
  CREATE INDEX leads_shared_created ON leads (created_at, id) WHERE shares IS NOT NULL;
  `,
  postgres: `
  CREATE TABLE conversions (
    id text COLLATE "C" PRIMARY KEY,
    lead_id text COLLATE "C" NOT NULL,
    buyer_id text COLLATE "C" NOT NULL,
    campaign_id text COLLATE "C" NOT NULL,
    stage text NOT NULL,
    at bigint NOT NULL,
    value_cents bigint,
    note text,
    created_at bigint NOT NULL,
    UNIQUE (lead_id, buyer_id, stage)
  );
  CREATE INDEX leads_sold_buyer_created ON leads (buyer_id, created_at, id) WHERE status = 'sold';
  CREATE INDEX leads_shared_created ON leads (created_at, id) WHERE shares IS NOT NULL;
  `,
};
