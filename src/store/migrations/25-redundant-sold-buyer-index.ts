// `leads_sold_buyer (buyer_id) WHERE status = 'sold'` is the leading column of `leads_sold_buyer_created (buyer_id,
// created_at, id)` under the same condition (migration 10): every query it served (a buyer's purchases, counts and
// spend) walks the wider index alike, and each sale wrote a page of both (bench/README.md, issue 14, session 23).
import type { Migration } from "./migration.ts";

export const redundantSoldBuyerIndex: Migration = {
  name: "redundant-sold-buyer-index",
  sqlite: `
  DROP INDEX IF EXISTS leads_sold_buyer;
  `,
  // PostgreSQL's copy is as redundant; left to a change of that store.
  postgres: null,
};
