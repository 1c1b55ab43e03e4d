// The journal of posts to buyers (src/store/post-attempts.ts): written before each buyer is called, so a crash
// can neither post a lead twice to a buyer nor leave an accepted lead unseen. One attempt per auction and campaign.
import type { Migration } from "./migration.ts";

export const postAttempts: Migration = {
  name: "post-attempts",
  sqlite: `
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
  postgres: `
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
};
