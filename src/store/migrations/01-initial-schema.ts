import type { Migration } from "./migration.ts";

export const initialSchema: Migration = {
  name: "initial-schema",
  sqlite: `
  CREATE TABLE config_entities (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
  );
  CREATE TABLE pings (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    vertical TEXT NOT NULL,
    test INTEGER NOT NULL,
    sub_id TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    status TEXT NOT NULL,
    price_cents INTEGER NOT NULL,
    lead TEXT NOT NULL,
    bids TEXT NOT NULL
  );
  CREATE INDEX pings_held ON pings (expires_at) WHERE status = 'bid';
  CREATE TABLE outcomes (
    auction_id TEXT NOT NULL,
    phase TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    buyer_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    code INTEGER NOT NULL,
    bid_cents INTEGER,
    latency_ms REAL,
    detail TEXT,
    at INTEGER NOT NULL
  );
  CREATE INDEX outcomes_auction ON outcomes (auction_id);
  CREATE TABLE leads (
    id TEXT PRIMARY KEY,
    auction_id TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    vertical TEXT NOT NULL,
    test INTEGER NOT NULL,
    sub_id TEXT,
    status TEXT NOT NULL,
    price_cents INTEGER NOT NULL,
    buyer_price_cents INTEGER,
    campaign_id TEXT,
    buyer_id TEXT,
    buyer_lead_id TEXT,
    reason TEXT,
    lead TEXT NOT NULL,
    consent TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX leads_created ON leads (created_at, id);
  `,
  postgres: `
  CREATE TABLE config_entities (
    kind text COLLATE "C" NOT NULL,
    id text COLLATE "C" NOT NULL,
    body jsonb NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (kind, id)
  );
  CREATE TABLE pings (
    id text PRIMARY KEY,
    kind text NOT NULL,
    source_id text NOT NULL,
    vertical text NOT NULL,
    test boolean NOT NULL,
    sub_id text,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    status text NOT NULL,
    price_cents integer NOT NULL,
    lead jsonb NOT NULL,
    bids jsonb NOT NULL
  );
  CREATE INDEX pings_held ON pings (expires_at) WHERE status = 'bid';
  CREATE TABLE outcomes (
    id bigserial PRIMARY KEY,
    auction_id text NOT NULL,
    phase text NOT NULL,
    campaign_id text NOT NULL,
    buyer_id text NOT NULL,
    reason text NOT NULL,
    code integer NOT NULL,
    bid_cents integer,
    latency_ms double precision,
    detail text,
    at bigint NOT NULL
  );
  CREATE INDEX outcomes_auction ON outcomes (auction_id);
  CREATE TABLE leads (
    id text COLLATE "C" PRIMARY KEY,
    auction_id text NOT NULL UNIQUE,
    kind text NOT NULL,
    source_id text NOT NULL,
    vertical text NOT NULL,
    test boolean NOT NULL,
    sub_id text,
    status text NOT NULL,
    price_cents integer NOT NULL,
    buyer_price_cents integer,
    campaign_id text,
    buyer_id text,
    buyer_lead_id text,
    reason text,
    lead jsonb NOT NULL,
    consent jsonb NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE INDEX leads_created ON leads (created_at, id);
  `,
};
