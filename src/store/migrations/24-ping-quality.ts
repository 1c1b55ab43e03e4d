// A validated lead's quality (its score and each issue found, never the consumer's details) is kept with its ping, as
// the first step of the decision trace (docs/privacy.md#lead-validation).
import type { Migration } from "./migration.ts";

export const pingQuality: Migration = {
  name: "ping-quality",
  sqlite: `
  ALTER TABLE pings ADD COLUMN quality TEXT;
  `,
  postgres: `
  ALTER TABLE pings ADD COLUMN quality jsonb;
  `,
};
