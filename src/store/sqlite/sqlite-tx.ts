// node:sqlite behind the shared statements' interface (src/store/sql/dialect.ts). Each statement runs at once,
// synchronously; its result comes back as an already-settled promise, so a write made of several statements never
// lets another one in between (no I/O is awaited, only microtasks).
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import type { SqlResult, SqlTx, Statement } from "../sql/dialect.ts";

/** Statements that answer rows: reads, and writes with RETURNING. */
const ANSWERS_ROWS = /^\s*(SELECT|WITH)\b|\bRETURNING\b/i;

/** Runs statements on `db`, each prepared once and kept with whether it answers rows (tested once, not per run). */
export function sqliteRunner(db: DatabaseSync): { run(statement: Statement): SqlResult } {
  const prepared = new Map<string, { statement: StatementSync; answersRows: boolean }>();
  return {
    run({ text, values }) {
      let kept = prepared.get(text);
      if (!kept) {
        kept = { statement: db.prepare(text), answersRows: ANSWERS_ROWS.test(text) };
        prepared.set(text, kept);
      }
      const params = values as SQLInputValue[];
      if (kept.answersRows) {
        const rows = kept.statement.all(...params) as Record<string, unknown>[];
        return { rows, changes: rows.length };
      }
      return { rows: [], changes: Number(kept.statement.run(...params).changes) };
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
