import { createHash } from "node:crypto";
import { DatabaseSync } from "node:sqlite";

/** Opens the database file with the settings every connection to it uses. */
export function openSqlite(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  // First: switching a new file to WAL takes a lock, and two processes opening one file at once (bidders sharing a
  // data folder) would otherwise fail at once with "database is locked" instead of waiting their turn.
  db.exec("PRAGMA busy_timeout = 5000");
  db.exec("PRAGMA journal_mode = WAL");
  // FULL: a committed lead survives power loss, not only a crash (DESIGN rule 9). The fsync is paid on the writer
  // thread, never on the event loop.
  db.exec("PRAGMA synchronous = FULL");
  // SQLite has no sha256: a migration hashes the contacts of leads stored before leads kept their hashes.
  db.function("gavel_sha256", { deterministic: true }, (text) =>
    typeof text === "string" ? createHash("sha256").update(text).digest("hex") : null,
  );
  return db;
}

/** Runs `work` in one IMMEDIATE transaction, rolled back if it throws. */
export function inTransaction(db: DatabaseSync, work: () => void): void {
  db.exec("BEGIN IMMEDIATE");
  try {
    work();
    db.exec("COMMIT");
  } catch (error) {
    db.exec("ROLLBACK");
    throw error;
  }
}
