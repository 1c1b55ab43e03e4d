// FROZEN: the PostgreSQL migrations as the releases before named migrations (src/store/migrations/) listed them, by
// position (see sqlite-migrations.ts here). Never edit.
// The same tables as the SQLite store (src/store/sqlite/migrations.ts) in PostgreSQL terms: jsonb documents, bigint
// epoch-ms timestamps, and ids in the "C" collation so they sort byte-wise exactly as SQLite sorts them (keyset paging
// must page the same way on both).
export const LEGACY_POSTGRES_MIGRATIONS: readonly string[] = [
  `
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
  `
  CREATE TABLE outbox (
    id text COLLATE "C" PRIMARY KEY,
    kind text NOT NULL,
    owner_id text NOT NULL,
    url text NOT NULL,
    body jsonb NOT NULL,
    timeout_ms integer NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL,
    run_at bigint NOT NULL,
    created_at bigint NOT NULL,
    last_error text,
    delivered_at bigint
  );
  CREATE INDEX outbox_due ON outbox (run_at) WHERE status = 'pending';
  CREATE INDEX outbox_created ON outbox (created_at, id);
  `,
  `
  CREATE TABLE suppressions (
    list_id text COLLATE "C" NOT NULL,
    sha256 text COLLATE "C" NOT NULL,
    kind text NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (list_id, sha256)
  );
  `,
  `
  CREATE TABLE buyer_deposits (
    id text COLLATE "C" PRIMARY KEY,
    buyer_id text COLLATE "C" NOT NULL,
    amount_cents bigint NOT NULL,
    note text,
    created_at bigint NOT NULL
  );
  CREATE INDEX buyer_deposits_buyer ON buyer_deposits (buyer_id);
  CREATE INDEX leads_sold_buyer ON leads (buyer_id) WHERE status = 'sold';
  `,
  // A shared lead's other buyers, as a JSON array: always read with the lead, summed per buyer with
  // jsonb_array_elements.
  `
  ALTER TABLE leads ADD COLUMN shares jsonb;
  `,
  // The money ledger: immutable entries, written in the sale's transaction (and a return's).
  `
  CREATE TABLE ledger_entries (
    seq bigserial NOT NULL,
    id text COLLATE "C" PRIMARY KEY,
    lead_id text COLLATE "C" NOT NULL,
    kind text NOT NULL,
    party_id text COLLATE "C" NOT NULL,
    amount_cents bigint NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE INDEX ledger_lead ON ledger_entries (lead_id);
  CREATE INDEX ledger_created ON ledger_entries (created_at);
  CREATE TABLE returns (
    id text COLLATE "C" PRIMARY KEY,
    lead_id text COLLATE "C" NOT NULL,
    buyer_id text COLLATE "C" NOT NULL,
    campaign_id text COLLATE "C" NOT NULL,
    reason text NOT NULL,
    note text,
    status text NOT NULL,
    refund_cents bigint NOT NULL,
    reversal_cents bigint NOT NULL,
    requested_at bigint NOT NULL,
    decided_at bigint,
    decided_by text,
    UNIQUE (lead_id, buyer_id)
  );
  CREATE INDEX returns_buyer ON returns (buyer_id, status);
  CREATE INDEX returns_requested ON returns (requested_at, id);
  `,
  // Report rollups (src/reports/rollup.ts): one row per UTC hour, source, sub-id, vertical and campaign ('' on the
  // auction row), kept up to date by the writes of pings, outcomes and leads. Reports read these, never the raw events.
  `
  CREATE TABLE report_rollup (
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
    PRIMARY KEY (hour, test, source_id, sub_id, vertical, campaign_id, buyer_id)
  );
  `,
  // Report rollups by grain (src/reports/rollup.ts): per hour and per UTC day, by source and over all sources,
  // auction and campaign rows apart. Replaces the table above; the store rebuilds the rollups from the events.
  `
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
  // Outbox items by kind (source postbacks, webhook and e-mail deliveries): a postback's HTTP method (NULL: POST).
  `
  ALTER TABLE outbox ADD COLUMN method text;
  `,
  // Buyer feedback (conversions: one row per lead, buyer and stage), and the indexes that list a buyer's purchases
  // newest first: as the first buyer, and among shared leads.
  `
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
  // The lead an approved return was offered again as (a resale), so it is resold once.
  `
  ALTER TABLE returns ADD COLUMN resale_lead_id text;
  `,
  // Web console users (operator, buyer or source users) and their sessions (token hashes, with expiry).
  `
  CREATE TABLE console_users (
    id text COLLATE "C" PRIMARY KEY,
    email text COLLATE "C" NOT NULL UNIQUE,
    role text NOT NULL,
    party_id text COLLATE "C",
    password_hash text NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE TABLE console_sessions (
    token_sha256 text COLLATE "C" PRIMARY KEY,
    user_id text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL
  );
  CREATE INDEX console_sessions_expires ON console_sessions (expires_at);
  `,
  // Report rollups partitioned by grain, so a report reads only its grain's rows (SQLite's table is clustered by grain
  // already); counts as integer, sums of cents as bigint. The store rebuilds the rollups from the events.
  `
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
  // Approved returns in the report rollups (counted in the period their lead was sold). Emptied so that the first
  // start after the upgrade rebuilds them from the events, returns included.
  `
  ALTER TABLE report_rollup ADD COLUMN returns integer NOT NULL DEFAULT 0;
  TRUNCATE report_rollup;
  `,
  // A buyer's (or source's) statement reads its own ledger entries by time.
  `
  CREATE INDEX ledger_party ON ledger_entries (party_id, created_at);
  `,
  // The orders the operator's lead table sorts by: the indexes of the SQLite migration of the same number (see there
  // why these three).
  `
  CREATE INDEX leads_status_price ON leads (status, price_cents, id);
  CREATE INDEX leads_status_buyer_price ON leads (status, (COALESCE(buyer_price_cents, -1)), id);
  CREATE INDEX leads_source_created ON leads (source_id, created_at, id);
  `,
  // The operator finds a consumer's leads by email or phone (a complaint, a do-not-call request): the sha256 of the
  // normalised contact, as suppression lists and sellers' contact hashes have it (leads store them normalised).
  `
  ALTER TABLE leads ADD COLUMN email_sha256 text, ADD COLUMN phone_sha256 text;
  UPDATE leads SET email_sha256 = encode(sha256(convert_to(lead ->> 'email', 'UTF8')), 'hex'),
                   phone_sha256 = encode(sha256(convert_to(lead ->> 'phone', 'UTF8')), 'hex')
   WHERE lead ? 'email' OR lead ? 'phone';
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
    id text PRIMARY KEY,
    auction_id text NOT NULL,
    campaign_id text NOT NULL,
    buyer_id text NOT NULL,
    bid_cents integer NOT NULL,
    started_at bigint NOT NULL,
    state text NOT NULL,
    buyer_lead_id text,
    ended_at bigint,
    resolution text,
    resolved_at bigint,
    UNIQUE (auction_id, campaign_id)
  );
  CREATE INDEX post_attempts_state_started ON post_attempts (state, started_at, id);
  CREATE INDEX post_attempts_started ON post_attempts (started_at, id);
  `,
  // Consumer privacy (docs/privacy.md): see the SQLite migration of the same name.
  `
  ALTER TABLE leads ADD COLUMN pii_purged_at bigint;
  CREATE INDEX leads_pii_kept ON leads (vertical, status, created_at) WHERE pii_purged_at IS NULL;
  CREATE TABLE privacy_requests (
    id text COLLATE "C" PRIMARY KEY,
    kind text NOT NULL,
    contacts jsonb NOT NULL,
    leads_found integer NOT NULL,
    leads_erased integer NOT NULL,
    deliveries_cancelled integer NOT NULL,
    suppressions_added integer NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE INDEX privacy_requests_created ON privacy_requests (created_at, id);
  CREATE TABLE pii_key_ids (key_id text COLLATE "C" PRIMARY KEY, first_used_at bigint NOT NULL);
  `,
  // Configuration is kept as written (json, not jsonb): jsonb orders an object's keys by length, and a template's key
  // order is the order of an XML buyer's elements. Rows stored before keep jsonb's order until they are written again.
  `
  ALTER TABLE config_entities ALTER COLUMN body TYPE json USING body::json;
  `,
  // The audit trail: see the SQLite migration of the same name.
  `
  CREATE TABLE audit_events (
    id text COLLATE "C" PRIMARY KEY,
    kind text NOT NULL,
    actor_type text NOT NULL,
    actor_id text NOT NULL,
    actor_role text,
    entity text COLLATE "C" NOT NULL,
    address text,
    changes jsonb NOT NULL,
    note text,
    created_at bigint NOT NULL
  );
  CREATE INDEX audit_events_created ON audit_events (created_at, id);
  CREATE INDEX audit_events_entity ON audit_events (entity, id);
  CREATE INDEX audit_events_actor ON audit_events (actor_id, id);
  `,
];
