// The seam between the SQL written once (src/store/sql/*-queries.ts) and the two databases that run it.
//
// Why a small module of our own and not kysely as a query compiler: read side by side, our two stores' SQL differs in
// a handful of spellings (placeholders `$1`/`?1`, `NOT $3` on a boolean, a JSON array walked as `jsonb_array_elements`
// or `json_each`, `FOR UPDATE SKIP LOCKED`, a parameter's type for `IS NULL`), while what makes the statements worth
// keeping is hand-tuned (index walks merged with UNION ALL, row-value cursors, `unnest` batches, partial-index
// predicates). Kysely would have us re-express that SQL in its builder and still fall back to `sql\`\`` for most of
// it; its drivers are asynchronous, while SQLite's writer thread runs its transactions synchronously on node:sqlite
// (no kysely dialect for it); and it would add a compile step to every ping-path write. A dialect here is ten
// spellings: adding a backend means one more object below, no query changes.

/** The databases Gavel stores in. */
export type DialectName = "sqlite" | "postgres";

export interface Dialect {
  readonly name: DialectName;
  /** The statement text for this driver: SQL is written with PostgreSQL's `$n` placeholders; SQLite reads `?n`. */
  text(sql: string): string;
  /** A parameter compared with NULL: PostgreSQL must be told its type (`$2::text`). */
  typed(n: number, type: "text" | "jsonb"): string;
  /** A JS boolean as a parameter (SQLite has no boolean: 0/1). */
  bool(value: boolean): unknown;
  /** The elements of a JSON array (a column, or a `$n` parameter) as a FROM item aliased `alias`. */
  jsonElements(array: string, alias: string): string;
  /** One field of an element from `jsonElements`, as text. */
  elementText(alias: string, key: string): string;
  /** One field of an element from `jsonElements`, as an integer. */
  elementInteger(alias: string, key: string): string;
  /** The strings of the JSON array parameter $n as a FROM item aliased `alias`, each as `alias.value`. */
  jsonTexts(n: number, alias: string): string;
  /** `IN (the strings of the JSON array parameter $n)`. */
  inJsonArray(n: number): string;
  /** `column` (a JSON array of objects) holds an object whose `key` equals parameter `$n`. */
  arrayHasObjectWith(column: string, key: string, n: number): string;
  /** Locks the selected rows, skipping those another transaction holds (SQLite has one writer: nothing to add). */
  readonly skipLocked: string;
  /** Locks the selected rows (nothing on SQLite: its writer thread is the only writer). */
  readonly forUpdate: string;
  /** The larger of two values. */
  readonly greatest: string;
  /** The column that keeps a table's insertion order (SQLite: the ledger's rowid, the outcomes' `seq`). */
  insertionOrder(table: "ledger_entries" | "outcomes"): string;
  /** Index walks (each with its own ORDER BY and LIMIT) glued into one UNION ALL, as a FROM item. */
  unionAll(walks: readonly string[]): string;
  /** A value (a JSON column, a number) as text. */
  asText(value: string): string;
  /** The texts of a group joined by newlines, in `orderBy`'s order. */
  linesAgg(text: string, orderBy: string): string;
  /** The pings table (aliased `alias`) in the order auctions were written: no sort on SQLite, time order on PostgreSQL. */
  auctionOrder(alias: string): string;
}

export const SQLITE: Dialect = {
  name: "sqlite",
  text: (sql) => sql.replace(/\$(\d+)/g, "?$1"),
  typed: (n) => `$${n}`,
  bool: (value) => (value ? 1 : 0),
  jsonElements: (array, alias) => `json_each(${array}) AS ${alias}`,
  elementText: (alias, key) => `${alias}.value ->> '${key}'`,
  elementInteger: (alias, key) => `${alias}.value ->> '${key}'`,
  jsonTexts: (n, alias) => `json_each($${n}) AS ${alias}`,
  inJsonArray: (n) => `IN (SELECT value FROM json_each($${n}))`,
  arrayHasObjectWith: (column, key, n) =>
    `EXISTS (SELECT 1 FROM json_each(${column}) AS e WHERE e.value ->> '${key}' = $${n})`,
  skipLocked: "",
  forUpdate: "",
  greatest: "MAX",
  insertionOrder: (table) => (table === "outcomes" ? "seq" : "rowid"),
  // SQLite allows no parentheses around a compound's parts: each walk becomes a subquery.
  unionAll: (walks) => `(${walks.map((walk) => `SELECT * FROM (${walk})`).join(" UNION ALL ")})`,
  asText: (value) => value,
  linesAgg: (text, orderBy) => `group_concat(${text}, char(10) ORDER BY ${orderBy})`,
  auctionOrder: (alias) => `${alias}.rowid`,
};

export const POSTGRES: Dialect = {
  name: "postgres",
  text: (sql) => sql,
  typed: (n, type) => `$${n}::${type}`,
  bool: (value) => value,
  jsonElements: (array, alias) =>
    `jsonb_array_elements(${array.startsWith("$") ? `${array}::jsonb` : array}) AS ${alias}`,
  // The ids from JSON take the columns' "C" collation, so a UNION of them with columns has one collation.
  elementText: (alias, key) => `(${alias} ->> '${key}') COLLATE "C"`,
  elementInteger: (alias, key) => `(${alias} ->> '${key}')::integer`,
  jsonTexts: (n, alias) => `jsonb_array_elements_text($${n}::jsonb) AS ${alias} (value)`,
  inJsonArray: (n) => `= ANY(ARRAY(SELECT jsonb_array_elements_text($${n}::jsonb)))`,
  // Containment, so the jsonb index on shares can answer it.
  arrayHasObjectWith: (column, key, n) =>
    `${column} @> jsonb_build_array(jsonb_build_object('${key}', $${n}::text))`,
  skipLocked: "FOR UPDATE SKIP LOCKED",
  forUpdate: "FOR UPDATE",
  greatest: "GREATEST",
  insertionOrder: (table) => (table === "ledger_entries" ? "seq" : "id"),
  unionAll: (walks) => `(${walks.map((walk) => `(${walk})`).join(" UNION ALL ")})`,
  asText: (value) => `${value}::text`,
  linesAgg: (text, orderBy) => `string_agg(${text}, E'\\n' ORDER BY ${orderBy})`,
  auctionOrder: (alias) => `${alias}.created_at, ${alias}.id`,
};

/** One statement ready for a driver: its text in the dialect's spelling, its values, and (PostgreSQL) a name under
 * which the server keeps it prepared (the hot writes). */
export interface Statement {
  text: string;
  values: readonly unknown[];
  name?: string;
}

/** A statement written once (with `$n` placeholders) for dialect `d`. */
export function statement(
  d: Dialect,
  text: string,
  values: readonly unknown[] = [],
  name?: string,
): Statement {
  return name === undefined ? { text: d.text(text), values } : { text: d.text(text), values, name };
}

/**
 * How many rows each of SQLite's multi-row statements for a batch of `count` rows carries: chunks of a few fixed sizes,
 * largest first, so a write keeps a handful of statements prepared whatever its batches' sizes (64 rows of the widest
 * table, report_rollup's 56 columns, stay far under SQLite's 32,766 variables).
 */
export function sqliteChunks(count: number): number[] {
  const chunks: number[] = [];
  let left = count;
  for (const size of [64, 16, 4, 1]) {
    for (; left >= size; left -= size) chunks.push(size);
  }
  return chunks;
}

/** `$1, $2, ...` for a column list. */
export function placeholders(columns: string): string {
  return columns
    .split(",")
    .map((_, i) => `$${i + 1}`)
    .join(", ");
}

/** What a statement answered: its rows (a SELECT, or RETURNING), and how many rows it changed. */
export interface SqlResult {
  rows: Record<string, unknown>[];
  changes: number;
}

/** A connection inside one transaction (or, for a read, any connection). */
export interface SqlTx {
  run(statement: Statement): Promise<SqlResult>;
}

/** The rows of a statement. */
export async function rowsOf(tx: SqlTx, statement: Statement): Promise<Record<string, unknown>[]> {
  return (await tx.run(statement)).rows;
}
