// Ping-to-post time: how long after its ping a lead's post arrived (ping-post leads; a direct post has no ping), kept
// with the lead and summed in the report rollups so a report shows the average per group. Leads from before it have
// none and are not counted, so the rollups stay what a rebuild makes of them: nothing to rebuild.
import type { Migration } from "./migration.ts";

export const pingToPostTime: Migration = {
  name: "ping-to-post-time",
  sqlite: `
  ALTER TABLE leads ADD COLUMN ping_to_post_ms INTEGER;
  ALTER TABLE report_rollup ADD COLUMN ping_to_post_ms_sum INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE report_rollup ADD COLUMN ping_to_post_count INTEGER NOT NULL DEFAULT 0;
  `,
  // See the SQLite migration of the same name.
  postgres: `
  ALTER TABLE leads ADD COLUMN ping_to_post_ms integer;
  ALTER TABLE report_rollup ADD COLUMN ping_to_post_ms_sum bigint NOT NULL DEFAULT 0;
  ALTER TABLE report_rollup ADD COLUMN ping_to_post_count bigint NOT NULL DEFAULT 0;
  `,
};
