import type { Migration } from "./migration.ts";

export const suppressions: Migration = {
  name: "suppressions",
  sqlite: `
  CREATE TABLE suppressions (
    list_id TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (list_id, sha256)
  ) WITHOUT ROWID;
  `,
  postgres: `
  CREATE TABLE suppressions (
    list_id text COLLATE "C" NOT NULL,
    sha256 text COLLATE "C" NOT NULL,
    kind text NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (list_id, sha256)
  );
  `,
};
