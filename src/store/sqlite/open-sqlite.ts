import { DatabaseSync } from "node:sqlite";

/** Opens the database file with the settings every connection to it uses. */
export function openSqlite(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec("PRAGMA journal_mode = WAL");
  // FULL: a committed lead survives power loss, not only a crash (DESIGN rule 9). The fsync is paid on the writer
  // thread, never on the event loop.
  db.exec("PRAGMA synchronous = FULL");
  db.exec("PRAGMA busy_timeout = 5000");
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
