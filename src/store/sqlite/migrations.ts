// Schema migrations for the embedded SQLite store, applied in order; never edit one that has shipped, add a new one.

export const SQLITE_MIGRATIONS: readonly string[] = [
  `
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
  `
  CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    owner_id TEXT NOT NULL,
    url TEXT NOT NULL,
    body TEXT NOT NULL,
    timeout_ms INTEGER NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    run_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    last_error TEXT,
    delivered_at INTEGER
  );
  CREATE INDEX outbox_due ON outbox (run_at) WHERE status = 'pending';
  CREATE INDEX outbox_created ON outbox (created_at, id);
  `,
  `
  CREATE TABLE suppressions (
    list_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (list_id, sha256)
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE buyer_deposits (
    id TEXT PRIMARY KEY,
    buyer_id TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    note TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX buyer_deposits_buyer ON buyer_deposits (buyer_id);
  CREATE INDEX leads_sold_buyer ON leads (buyer_id) WHERE status = 'sold';
  `,
  // A shared lead's other buyers, as a JSON array: always read with the lead, summed per buyer with json_each.
  `
  ALTER TABLE leads ADD COLUMN shares TEXT;
  `,
];
