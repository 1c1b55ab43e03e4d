// Configuration is kept as written (json, not jsonb): jsonb orders an object's keys by length, and a template's key
// order is the order of an XML buyer's elements. Rows stored before keep jsonb's order until they are written again.
import type { Migration } from "./migration.ts";

export const configAsWritten: Migration = {
  name: "config-as-written",
  // Nothing to do on SQLite (see the PostgreSQL side).
  sqlite: null,
  postgres: `
  ALTER TABLE config_entities ALTER COLUMN body TYPE json USING body::json;
  `,
};
