// Web console users (operator, buyer or source users) and their sessions (token hashes, with expiry).
import type { Migration } from "./migration.ts";

export const consoleUsers: Migration = {
  name: "console-users",
  sqlite: `
  CREATE TABLE console_users (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    party_id TEXT,
    password_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE console_sessions (
    token_sha256 TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX console_sessions_expires ON console_sessions (expires_at);
  `,
  postgres: `
  CREATE TABLE console_users (
    id text COLLATE "C" PRIMARY KEY,
    email text COLLATE "C" NOT NULL UNIQUE,
    role text NOT NULL,
    party_id text COLLATE "C",
    password_hash text NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE TABLE console_sessions (
    token_sha256 text COLLATE "C" PRIMARY KEY,
    user_id text COLLATE "C" NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL
  );
  CREATE INDEX console_sessions_expires ON console_sessions (expires_at);
  `,
};
