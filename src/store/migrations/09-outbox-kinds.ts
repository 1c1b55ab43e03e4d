// Outbox items by kind (source postbacks, webhook and e-mail deliveries): a postback's HTTP method (NULL: POST).
import type { Migration } from "./migration.ts";

export const outboxKinds: Migration = {
  name: "outbox-kinds",
  sqlite: `
  ALTER TABLE outbox ADD COLUMN method TEXT;
  `,
  postgres: `
  ALTER TABLE outbox ADD COLUMN method text;
  `,
};
