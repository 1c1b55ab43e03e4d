// node:sqlite behind the shared statements' interface (src/store/sql/dialect.ts). Each statement runs at once,
// synchronously; its result comes back as an already-settled promise, so a write made of several statements never
// lets another one in between (no I/O is awaited, only microtasks).
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import type { SqlResult, SqlTx, Statement } from "../sql/dialect.ts";

/** Statements that answer rows: reads, and writes with RETURNING. */
const ANSWERS_ROWS = /^\s*(SELECT|WITH)\b|\bRETURNING\b/i;

/** Runs statements on `db`, each prepared once and kept. */
export function sqliteRunner(db: DatabaseSync): { run(statement: Statement): SqlResult } {
  const prepared = new Map<string, StatementSync>();
  return {
    run({ text, values }) {
      let prepared_ = prepared.get(text);
      if (!prepared_) {
        prepared_ = db.prepare(text);
        prepared.set(text, prepared_);
      }
      const params = values as SQLInputValue[];
      if (ANSWERS_ROWS.test(text)) {
        const rows = prepared_.all(...params) as Record<string, unknown>[];
        return { rows, changes: rows.length };
      }
      return { rows: [], changes: Number(prepared_.run(...params).changes) };
    },
  };
}

/** The same runner as the shared writes' transaction. */
export function sqliteTx(db: DatabaseSync): SqlTx {
  const runner = sqliteRunner(db);
  return { run: async (statement) => runner.run(statement) };
}

/** Runs `work` in one IMMEDIATE transaction, rolled back if it throws. */
export async function inTransactionAsync<T>(db: DatabaseSync, work: () => Promise<T>): Promise<T> {
  db.exec("BEGIN IMMEDIATE");
  try {
    const result = await work();
    db.exec("COMMIT");
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec("ROLLBACK");
    throw error;
  }
}
