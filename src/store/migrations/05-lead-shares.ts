// A shared lead's other buyers, as a JSON array: always read with the lead, summed per buyer with json_each.
import type { Migration } from "./migration.ts";

export const leadShares: Migration = {
  name: "lead-shares",
  sqlite: `
  ALTER TABLE leads ADD COLUMN shares TEXT;
  `,
  // A shared lead's other buyers, as a JSON array: always read with the lead, summed per buyer with
  // jsonb_array_elements.
  postgres: `
  ALTER TABLE leads ADD COLUMN shares jsonb;
  `,
};
