import { createHash } from "node:crypto";
import { DatabaseSync } from "node:sqlite";

/** WAL pages after which the writer's COMMIT checkpoints (SQLite's default is 1,000; see sqlite-writer-thread.ts). */
export const WAL_CHECKPOINT_PAGES = 4000;
/** What the writer cuts a WAL file back to when it restarts after growing past its usual size. */
export const WAL_SIZE_LIMIT_BYTES = 32 * 1024 * 1024;

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
