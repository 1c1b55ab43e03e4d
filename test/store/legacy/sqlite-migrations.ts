// FROZEN: the SQLite migrations as the releases before named migrations (src/store/migrations/) listed them, by
// position. The upgrade test builds a database with these, as those releases did, then opens it with today's store.
// Never edit.

export const LEGACY_SQLITE_MIGRATIONS: readonly string[] = [
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
  // The money ledger: immutable entries, written in the sale's transaction (and a return's).
  `
  CREATE TABLE ledger_entries (
    id TEXT PRIMARY KEY,
    lead_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    party_id TEXT NOT NULL,
    amount_cents INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX ledger_lead ON ledger_entries (lead_id);
  CREATE INDEX ledger_created ON ledger_entries (created_at);
  CREATE TABLE returns (
    id TEXT PRIMARY KEY,
    lead_id TEXT NOT NULL,
    buyer_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    note TEXT,
    status TEXT NOT NULL,
    refund_cents INTEGER NOT NULL,
    reversal_cents INTEGER NOT NULL,
    requested_at INTEGER NOT NULL,
    decided_at INTEGER,
    decided_by TEXT,
    UNIQUE (lead_id, buyer_id)
  );
  CREATE INDEX returns_buyer ON returns (buyer_id, status);
  CREATE INDEX returns_requested ON returns (requested_at, id);
  `,
  // Report rollups (src/reports/rollup.ts): one row per UTC hour, source, sub-id, vertical and campaign ('' on the
  // auction row), kept up to date by the writes of pings, outcomes and leads. Reports read these, never the raw events.
  `
  CREATE TABLE report_rollup (
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
    PRIMARY KEY (hour, test, source_id, sub_id, vertical, campaign_id, buyer_id)
  ) WITHOUT ROWID;
  `,
  // Report rollups by grain (src/reports/rollup.ts): per hour and per UTC day, by source and over all sources,
  // auction and campaign rows apart. Replaces the table above; the store rebuilds the rollups from the events.
  `
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
  // Outbox items by kind (source postbacks, webhook and e-mail deliveries): a postback's HTTP method (NULL: POST).
  `
  ALTER TABLE outbox ADD COLUMN method TEXT;
  `,
  // Buyer feedback (conversions: one row per lead, buyer and stage), and the indexes that list a buyer's purchases
  // newest first: as the first buyer, and among shared leads.
  `
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
  // The lead an approved return was offered again as (a resale), so it is resold once.
  `
  ALTER TABLE returns ADD COLUMN resale_lead_id TEXT;
  `,
  // Web console users (operator, buyer or source users) and their sessions (token hashes, with expiry).
  `
  CREATE TABLE console_users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    party_id TEXT,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE console_sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX console_sessions_expires ON console_sessions (expires_at);
  `,
  // Report rollups gain a grain (each source over its sub-ids): emptied here, rebuilt from the events by the store.
  `
  DELETE FROM report_rollup;
  `,
  // Approved returns in the report rollups (counted in the period their lead was sold); mentioning report_rollup
  // here makes an upgrade rebuild the rollups from the events, returns included.
  `
  ALTER TABLE report_rollup ADD COLUMN returns INTEGER NOT NULL DEFAULT 0;
  `,
  // A buyer's (or source's) statement reads its own ledger entries by time.
  `
  CREATE INDEX ledger_party ON ledger_entries (party_id, created_at);
  `,
  // The orders the operator's lead table sorts by (Store.listLeads), each ending with the id that breaks ties, so
  // either direction walks one index. The prices lead with status: it has two values, so a status filter seeks
  // straight to its leads (unsold ones all pay 0 and have no buyer price: behind a sold lead filter they would be
  // hundreds of thousands of rows to skip), and the unfiltered order merges the two walks. Created-at orders keep
  // leads_created: statuses interleave in time, so a filter skips few rows. The source filter gets its own index for
  // the newest-first order (the source portal's); a source filter on a price order reads past other sources' leads.
  `
  CREATE INDEX leads_status_price ON leads (status, price_cents, id);
  CREATE INDEX leads_status_buyer_price ON leads (status, COALESCE(buyer_price_cents, -1), id);
  CREATE INDEX leads_source_created ON leads (source_id, created_at, id);
  `,
  // The operator finds a consumer's leads by email or phone (a complaint, a do-not-call request): the sha256 of the
  // normalised contact, as suppression lists and sellers' contact hashes have it (leads store them normalised).
  `
  ALTER TABLE leads ADD COLUMN email_sha256 TEXT;
  ALTER TABLE leads ADD COLUMN phone_sha256 TEXT;
  UPDATE leads SET email_sha256 = gavel_sha256(json_extract(lead, '$.email')),
                   phone_sha256 = gavel_sha256(json_extract(lead, '$.phone'));
  CREATE INDEX leads_email ON leads (email_sha256, created_at) WHERE email_sha256 IS NOT NULL;
  CREATE INDEX leads_phone ON leads (phone_sha256, created_at) WHERE phone_sha256 IS NOT NULL;
  `,
  // The outbox and returns screens page newest first with a status filter: dead letters and pending returns are few
  // among millions of delivered messages and decided returns, so each status gets its own walk.
  `
  CREATE INDEX outbox_status_created ON outbox (status, created_at, id);
  CREATE INDEX returns_status_requested ON returns (status, requested_at, id);
  `,
  // The journal of posts to buyers (src/store/post-attempts.ts): written before each buyer is called, so a crash
  // can neither post a lead twice to a buyer nor leave an accepted lead unseen. One attempt per auction and campaign.
  `
  CREATE TABLE post_attempts (
    id TEXT PRIMARY KEY,
    auction_id TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    buyer_id TEXT NOT NULL,
    bid_cents INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    state TEXT NOT NULL,
    buyer_lead_id TEXT,
    ended_at INTEGER,
    resolution TEXT,
    resolved_at INTEGER,
    UNIQUE (auction_id, campaign_id)
  );
  CREATE INDEX post_attempts_state_started ON post_attempts (state, started_at, id);
  CREATE INDEX post_attempts_started ON post_attempts (started_at, id);
  `,
  // Consumer privacy (docs/privacy.md): when a lead's PII was blanked (retention purge or an erasure request), the
  // leads a retention pass still has to visit (per vertical and status, oldest first), and the record of each access
  // or erasure request (the contact hashes asked about, never the contact); the ids of the keys leads' PII may be
  // sealed with, so a start without one of them is a clear error.
  `
  ALTER TABLE leads ADD COLUMN pii_purged_at INTEGER;
  CREATE INDEX leads_pii_kept ON leads (vertical, status, created_at) WHERE pii_purged_at IS NULL;
  CREATE TABLE privacy_requests (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    contacts TEXT NOT NULL,
    leads_found INTEGER NOT NULL,
    leads_erased INTEGER NOT NULL,
    deliveries_cancelled INTEGER NOT NULL,
    suppressions_added INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX privacy_requests_created ON privacy_requests (created_at, id);
  CREATE TABLE pii_key_ids (key_id TEXT PRIMARY KEY, first_used_at INTEGER NOT NULL);
  `,
  // The audit trail (src/store/audit-events.ts): every configuration change, key rotation, deposit, return decision,
  // console user change and login, with who, from where and a before/after diff; listed newest first by id.
  `
  CREATE TABLE audit_events (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_role TEXT,
    entity TEXT NOT NULL,
    address TEXT,
    changes TEXT NOT NULL,
    note TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE INDEX audit_events_created ON audit_events (created_at, id);
  CREATE INDEX audit_events_entity ON audit_events (entity, id);
  CREATE INDEX audit_events_actor ON audit_events (actor_id, id);
  `,
];
