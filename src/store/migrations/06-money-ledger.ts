// The money ledger: immutable entries, written in the sale's transaction (and a return's).
import type { Migration } from "./migration.ts";

export const moneyLedger: Migration = {
  name: "money-ledger",
  sqlite: `
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
  postgres: `
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
};
