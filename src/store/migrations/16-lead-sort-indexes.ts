// The orders the operator's lead table sorts by (Store.listLeads), each ending with the id that breaks ties, so
// either direction walks one index. The prices lead with status: it has two values, so a status filter seeks
// straight to its leads (unsold ones all pay 0 and have no buyer price: behind a sold lead filter they would be
// hundreds of thousands of rows to skip), and the unfiltered order merges the two walks. Created-at orders keep
// leads_created: statuses interleave in time, so a filter skips few rows. The source filter gets its own index for
// the newest-first order (the source portal's); a source filter on a price order reads past other sources' leads.
import type { Migration } from "./migration.ts";

export const leadSortIndexes: Migration = {
  name: "lead-sort-indexes",
  sqlite: `
  CREATE INDEX leads_status_price ON leads (status, price_cents, id);
  CREATE INDEX leads_status_buyer_price ON leads (status, COALESCE(buyer_price_cents, -1), id);
  CREATE INDEX leads_source_created ON leads (source_id, created_at, id);
  `,
  // The orders the operator's lead table sorts by: the indexes of the SQLite migration of the same number (see there
  // why these three).
  postgres: `
  CREATE INDEX leads_status_price ON leads (status, price_cents, id);
  CREATE INDEX leads_status_buyer_price ON leads (status, (COALESCE(buyer_price_cents, -1)), id);
  CREATE INDEX leads_source_created ON leads (source_id, created_at, id);
  `,
};
