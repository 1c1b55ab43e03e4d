// The lead an approved return was offered again as (a resale), so it is resold once.
import type { Migration } from "./migration.ts";

export const returnResales: Migration = {
  name: "return-resales",
  sqlite: `
  ALTER TABLE returns ADD COLUMN resale_lead_id TEXT;
  `,
  postgres: `
  ALTER TABLE returns ADD COLUMN resale_lead_id text;
  `,
};
