// Approved returns in the report rollups (counted in the period their lead was sold); mentioning report_rollup
// here makes an upgrade rebuild the rollups from the events, returns included.
import type { Migration } from "./migration.ts";

export const returnsInRollups: Migration = {
  name: "returns-in-rollups",
  // Changes what the report rollups count: an upgrade past it rebuilds them from the events.
  rebuildsReportRollups: true,
  sqlite: `
  ALTER TABLE report_rollup ADD COLUMN returns INTEGER NOT NULL DEFAULT 0;
  `,
  // Approved returns in the report rollups (counted in the period their lead was sold). Emptied so that the first
  // start after the upgrade rebuilds them from the events, returns included.
  postgres: `
  ALTER TABLE report_rollup ADD COLUMN returns integer NOT NULL DEFAULT 0;
  TRUNCATE report_rollup;
  `,
};
