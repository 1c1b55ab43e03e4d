import type { Migration } from "./migration.ts";

export const buyerDeposits: Migration = {
  name: "buyer-deposits",
  sqlite: `
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
  postgres: `
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
};
