// Consumer privacy (docs/privacy.md): when a lead's PII was blanked (retention purge or an erasure request), the
// leads a retention pass still has to visit (per vertical and status, oldest first), and the record of each access
// or erasure request (the contact hashes asked about, never the contact); the ids of the keys leads' PII may be
// sealed with, so a start without one of them is a clear error.
import type { Migration } from "./migration.ts";

export const consumerPrivacy: Migration = {
  name: "consumer-privacy",
  sqlite: `
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
  // Consumer privacy (docs/privacy.md): see the SQLite migration of the same name.
  postgres: `
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
};
