// CPU of the SQLite writer thread's ping batches, in process: `SqlWrites.appendAuctionEvents` in one transaction with
// its `synchronous` switch, as src/store/sqlite/sqlite-writer-thread.ts runs it, on a connection with that thread's
// PRAGMAs (read from the checkout's source), for rules-5-like batches (one ping, five buyers' outcomes each).
//
//   node bench/sqlite-writer-cpu.ts [checkout] [--batches 300] [--warm 600] [--per 30] [--ids v4|v7] [--wal-batches 100]
//     [--detail]
//
// Prints CPU µs per ping (user and system) of the measured batches, after `warm` batches that grow the file first, and
// the bytes the process wrote per ping meanwhile (`wchar` of /proc/self/io: WAL frames and checkpoints). Then, with
// the WAL emptied and no checkpoint, `wal-batches` more: the WAL pages (frames) one ping adds. Auction ids: random
// (`v4`, `crypto.randomUUID`) or time-ordered (`v7`, src/engine/time-ordered-ids.ts); by default what the checkout's
// exchange issues. Compare checkouts (or `--ids`) by alternating runs (the machine's load moves every figure).
// `--detail` also prints, per ping, the CPU of each kind of statement (the CPU around each, so a little more in all
// than without it) and of BEGIN/COMMIT, and the WAL pages of each table and index (each WAL frame named
// by `dbstat`) with that b-tree's payload bytes per row.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { auctionBatches, auctionIdsOption } from "./auction-batches.ts";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    batches: { type: "string", default: "300" },
    warm: { type: "string", default: "600" },
    per: { type: "string", default: "30" },
    ids: { type: "string" },
    "wal-batches": { type: "string", default: "100" },
    detail: { type: "boolean", default: false },
  },
});
const root = resolve(positionals[0] ?? ".");
const [batches, warm, per, walBatches] = [values.batches, values.warm, values.per, values["wal-batches"]].map(
  Number,
) as [number, number, number, number];
// By default the ids the checkout's exchange issues (time-ordered since src/engine/time-ordered-ids.ts).
const timeOrdered = `${root}/src/engine/time-ordered-ids.ts`;
const ids = auctionIdsOption(values.ids, existsSync(timeOrdered) ? "v7" : "v4");
const { openSqlite } = await import(`${root}/src/store/sqlite/open-sqlite.ts`);
const { applySqliteMigrations } = await import(`${root}/src/store/sqlite/migrations.ts`);
const { SqlWrites } = await import(`${root}/src/store/sql/sql-writes.ts`);
const { SQLITE } = await import(`${root}/src/store/sql/dialect.ts`);
const { SQLITE_CODEC } = await import(`${root}/src/store/record-rows.ts`);
const { inTransactionAsync, sqliteTx } = await import(`${root}/src/store/sqlite/sqlite-tx.ts`);

const dir = mkdtempSync(join(tmpdir(), "gavel-writer-cpu-"));
const db = openSqlite(join(dir, "gavel.db"));
applySqliteMigrations(db);
const thread = readFileSync(`${root}/src/store/sqlite/sqlite-writer-thread.ts`, "utf8");
for (const [, pragma] of thread.matchAll(
  /db\.exec\("(PRAGMA (?:temp_store|wal_autocheckpoint|cache_size)[^"]*)"\)/g,
))
  db.exec(pragma!);
const writes = new SqlWrites(SQLITE, SQLITE_CODEC);
const runner = sqliteTx(db);

/**
 * With --detail while measuring: CPU µs per kind of statement (its first words and table). The process's CPU, not the
 * thread's: Linux updates a running thread's own figure only at scheduler ticks (4 ms), while the process's counts the
 * running thread's time to the moment (this process's other threads are idle here).
 */
const cpuByKind = new Map<string, number>();
let timing = false;
const cpuNow = (): number => {
  const { user, system } = process.cpuUsage();
  return user + system;
};
const kindOf = (text: string): string =>
  /^\s*(INSERT INTO \w+|SELECT|UPDATE \w+|DELETE FROM \w+|\w+)/i.exec(text)![1]!.replace(/\s+/g, " ");
const addCpu = (kind: string, from: number): void => {
  cpuByKind.set(kind, (cpuByKind.get(kind) ?? 0) + cpuNow() - from);
};
const tx: typeof runner = {
  run: async (statement: { text: string; values: readonly unknown[] }) => {
    if (!timing) return runner.run(statement);
    const from = cpuNow();
    const result = await runner.run(statement);
    addCpu(kindOf(statement.text), from);
    return result;
  },
};

async function write(pings: unknown[], outcomes: unknown[]): Promise<void> {
  db.exec("PRAGMA synchronous = NORMAL");
  try {
    if (!timing) {
      await inTransactionAsync(db, () => writes.appendAuctionEvents(tx, pings, outcomes));
      return;
    }
    const start = cpuNow();
    let from = start;
    db.exec("BEGIN IMMEDIATE");
    addCpu("BEGIN", from);
    await writes.appendAuctionEvents(tx, pings, outcomes);
    from = cpuNow();
    db.exec("COMMIT");
    addCpu("COMMIT", from);
    addCpu("(the write in all)", start);
  } finally {
    db.exec("PRAGMA synchronous = FULL");
  }
}

const batch = auctionBatches(per, ids);

/** Bytes this process has passed to write(2) and its kin so far. */
const bytesWritten = (): number => Number(/^wchar: (\d+)$/m.exec(readFileSync("/proc/self/io", "utf8"))![1]);

for (let i = 0; i < warm; i++) {
  const { pings, outcomes } = batch();
  await write(pings, outcomes);
}
const measured = Array.from({ length: batches }, batch);
const wroteBefore = bytesWritten();
const before = process.cpuUsage();
timing = values.detail;
for (const { pings, outcomes } of measured) await write(pings, outcomes);
timing = false;
const cpu = process.cpuUsage(before);
const wrote = bytesWritten() - wroteBefore;
const count = batches * per;
const perPing = (us: number) => Number((us / count).toFixed(1));

// WAL frames per ping: from an empty WAL, with no checkpoint to reset it, its length counts every frame written.
const walLimit = db.prepare("PRAGMA wal_autocheckpoint").get() as { wal_autocheckpoint: number };
db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
db.exec("PRAGMA wal_autocheckpoint = 0");
for (let i = 0; i < walBatches; i++) {
  const { pings, outcomes } = batch();
  await write(pings, outcomes);
}
const { page_size: pageSize } = db.prepare("PRAGMA page_size").get() as { page_size: number };
const frames = (statSync(join(dir, "gavel.db-wal")).size - 32) / (pageSize + 24);
const walPages = values.detail ? walPagesByBtree(pageSize) : undefined;
db.exec(`PRAGMA wal_autocheckpoint = ${walLimit.wal_autocheckpoint}`);
console.log(
  JSON.stringify({
    root,
    ids,
    usPerPing: perPing(cpu.user + cpu.system),
    user: perPing(cpu.user),
    system: perPing(cpu.system),
    bytesWrittenPerPing: Math.round(wrote / count),
    walPagesPerPing: Number((frames / (walBatches * per)).toFixed(2)),
  }),
);
if (values.detail) {
  console.log("CPU µs per ping by statement kind:");
  for (const [kind, us] of [...cpuByKind].sort((a, b) => b[1] - a[1]))
    console.log(`  ${perPing(us).toFixed(1).padStart(7)}  ${kind}`);
  console.log("WAL pages per ping by b-tree (payload bytes per row of that b-tree):");
  for (const [name, { pages, bytesPerRow }] of walPages!)
    console.log(
      `  ${(pages / (walBatches * per)).toFixed(3).padStart(7)}  ${name}${bytesPerRow ? ` (${bytesPerRow} B a row)` : ""}`,
    );
}
db.close();
rmSync(dir, { recursive: true });

/**
 * The WAL's frames (every page the last `wal-batches` batches wrote, the WAL being emptied before them) named by the
 * table or index `dbstat` places each page in, with each b-tree's payload bytes per cell (row or index entry).
 */
function walPagesByBtree(pageSize: number): Map<string, { pages: number; bytesPerRow: number }> {
  const wal = readFileSync(join(dir, "gavel.db-wal"));
  const names = new Map<number, string>();
  for (const row of db.prepare("SELECT name, pageno FROM dbstat").all() as { name: string; pageno: number }[])
    names.set(row.pageno, row.name);
  const payload = new Map<string, number>();
  for (const row of db
    .prepare(
      "SELECT name, sum(payload) AS bytes, sum(CASE WHEN pagetype = 'leaf' THEN ncell END) AS cells FROM dbstat GROUP BY name",
    )
    .all() as { name: string; bytes: number; cells: number }[])
    payload.set(row.name, row.cells ? Math.round(row.bytes / row.cells) : 0);
  const pages = new Map<string, number>();
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    const page = wal.readUInt32BE(at);
    const name = names.get(page) ?? (page === 1 ? "(header)" : "(free/other)");
    pages.set(name, (pages.get(name) ?? 0) + 1);
  }
  return new Map(
    [...pages]
      .sort((a, b) => b[1] - a[1])
      .map(([name, count]) => [name, { pages: count, bytesPerRow: payload.get(name) ?? 0 }]),
  );
}
