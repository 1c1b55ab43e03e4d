// CPU of the SQLite writer thread's ping batches, in process: `SqlWrites.appendAuctionEvents` in one transaction with
// its `synchronous` switch, as src/store/sqlite/sqlite-writer-thread.ts runs it, on a connection with that thread's
// PRAGMAs (read from the checkout's source), for rules-5-like batches (one ping, five buyers' outcomes each).
//
//   node bench/sqlite-writer-cpu.ts [checkout] [--batches 300] [--warm 600] [--per 30] [--ids v4|v7] [--wal-batches 100]
//
// Prints CPU µs per ping (user and system) of the measured batches, after `warm` batches that grow the file first, and
// the bytes the process wrote per ping meanwhile (`wchar` of /proc/self/io: WAL frames and checkpoints). Then, with
// the WAL emptied and no checkpoint, `wal-batches` more: the WAL pages (frames) one ping adds. Auction ids: random
// (`v4`, `crypto.randomUUID`) or time-ordered (`v7`, src/engine/time-ordered-ids.ts); by default what the checkout's
// exchange issues. Compare checkouts (or `--ids`) by alternating runs (the machine's load moves every figure).
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
const tx = sqliteTx(db);

async function write(pings: unknown[], outcomes: unknown[]): Promise<void> {
  db.exec("PRAGMA synchronous = NORMAL");
  try {
    await inTransactionAsync(db, () => writes.appendAuctionEvents(tx, pings, outcomes));
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
for (const { pings, outcomes } of measured) await write(pings, outcomes);
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
db.close();
rmSync(dir, { recursive: true });
