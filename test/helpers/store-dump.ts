// Every row of every table an exchange under test wrote, as text: what a privacy test greps for a consumer's PII.
// Embedded: the SQLite file, read through its own connection; distributed: every table of the exchange's schema.
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { withAdminClient } from "../store/postgres-test-schema.ts";
import type { Harness } from "./exchange-harness.ts";

export async function dumpEveryTable(h: Pick<Harness, "dataDir" | "storage">): Promise<Map<string, string>> {
  const dump = new Map<string, string>();
  const schema = h.storage?.database_schema;
  if (schema) {
    await withAdminClient(async (client) => {
      const tables = await client.query<{ table_name: string }>(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1",
        [schema],
      );
      for (const { table_name } of tables.rows) {
        const rows = await client.query(
          `SELECT row_to_json(t)::text AS row FROM "${schema}"."${table_name}" AS t`,
        );
        dump.set(table_name, rows.rows.map((row) => row.row).join("\n"));
      }
    });
    return dump;
  }
  const db = new DatabaseSync(join(h.dataDir, "gavel.db"), { readOnly: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
    }[];
    for (const { name } of tables) {
      dump.set(name, JSON.stringify(db.prepare(`SELECT * FROM "${name}"`).all()));
    }
  } finally {
    db.close();
  }
  return dump;
}

/** The tables whose rows hold any of `needles` (case-insensitive), with the first match: empty when none does. */
export function tablesHolding(dump: Map<string, string>, needles: readonly string[]): string[] {
  const found: string[] = [];
  for (const [table, text] of dump) {
    const lower = text.toLowerCase();
    const needle = needles.find((value) => lower.includes(value.toLowerCase()));
    if (needle) found.push(`${table}: ${needle}`);
  }
  return found;
}
